/**
 * Windows Server Backup is offered only where it has somewhere to write. An admin connects the fake
 * Windows host (the SSH server on loopback the other Hyper-V specs use, started by this spec), names
 * a WSB target and syncs: the VM page lists Windows Server Backup as available. The admin clears the
 * target: without a sync, the VM page says WSB is not available and why (the connection names no
 * target: set one under Connections), Hyper-V VSS still recommended. The admin sets another target:
 * WSB is available again.
 * The VMs are renamed wt-sql01, wt-file01, wt-web01 on the fake host, apart from other specs' VMs.
 * What it leaves behind: the host HV01 with its VMs (as the other Hyper-V specs leave it), no
 * connection, and one vault account named for this spec only.
 */
import { expect, type Locator, type Page, test } from '@playwright/test';
import { SQL01 } from '../server/drivers/hyperv/fake/fake-estate';
import { vmInventoryId } from '../server/drivers/hyperv/hyperv-discovery';
import { ADMIN, startFakeHost } from '../server/drivers/hyperv/hyperv-test-support';
import { addHypervHost, storeAccount, syncHypervHost } from './fixtures/connections';
import { disconnectByName } from './fixtures/disconnect';

const CONNECTION = 'HV01 WSB target';
const ACCOUNT = 'HV01 WSB target account';
const VM = 'wt-sql01';
const NO_TARGET =
  "The connection of host 'HV01' names no Windows Server Backup target, so wbadmin has nowhere to write: set one under Connections.";

let fake: Awaited<ReturnType<typeof startFakeHost>>;
test.beforeAll(async () => {
  fake = await startFakeHost(4096);
  for (const vm of fake.model.state.vms) vm.name = `wt-${vm.name}`;
});
test.afterAll(async () => {
  await fake?.dispose();
});

function hostCard(page: Page): Locator {
  return page.getByRole('article', { name: `Hyper-V host ${CONNECTION}` });
}

/** On the Connections page: saves `target` as the host's WSB target (empty: clears it). */
async function setTarget(page: Page, target: string) {
  await page.goto('/admin/connections');
  const host = hostCard(page);
  await host.getByRole('button', { name: 'Change WSB target' }).click();
  await host
    .getByLabel(`Windows Server Backup target of ${CONNECTION} (empty: WSB is not used)`)
    .fill(target);
  await host.getByRole('button', { name: 'Save target' }).click();
  await expect(
    page.getByText(
      target
        ? `Windows Server Backup on ${CONNECTION} now writes to ${target}`
        : `Windows Server Backup is no longer used on ${CONNECTION}`,
    ),
  ).toBeVisible();
}

/** The VM page's row for Windows Server Backup in "Backup methods compared". */
async function wsbRowOnVmPage(page: Page): Promise<Locator> {
  await page.goto(`/vms/${encodeURIComponent(vmInventoryId(SQL01))}`);
  await expect(page.getByRole('heading', { level: 1, name: VM })).toBeVisible();
  return page
    .getByRole('table', { name: 'Backup methods compared' })
    .getByRole('row')
    .filter({ has: page.getByRole('rowheader', { name: /Windows Server Backup \(volume\)/ }) });
}

test('the VM page offers Windows Server Backup only while the connection names a target, without a sync', async ({
  page,
}) => {
  test.setTimeout(120_000);
  await page.goto('/admin/connections');
  await storeAccount(page, { name: ACCOUNT, ...ADMIN });
  await addHypervHost(page, {
    name: CONNECTION,
    port: fake.host.port,
    account: ACCOUNT,
    username: ADMIN.username,
  });
  await expect(page.getByText(`Hyper-V host ${CONNECTION} added`)).toBeVisible();
  await setTarget(page, 'E:');
  await syncHypervHost(page, CONNECTION, 'Synced HV01: 3 VMs in the inventory');

  // A target is named: WSB is available beside the recommended Hyper-V VSS.
  let wsb = await wsbRowOnVmPage(page);
  await expect(wsb.getByRole('cell').nth(0)).toHaveText('Yes');
  await expect(wsb).not.toContainText(NO_TARGET);

  // Cleared: no sync, and the VM page already says WSB cannot run and why.
  await setTarget(page, '');
  wsb = await wsbRowOnVmPage(page);
  await expect(wsb.getByRole('cell').nth(0)).toHaveText('No');
  await expect(wsb).toContainText(NO_TARGET);
  await expect(page.getByRole('region', { name: 'Recommendation' })).toContainText(
    'Recommended: Hyper-V VSS',
  );

  // Set again: available again.
  await setTarget(page, 'F:');
  wsb = await wsbRowOnVmPage(page);
  await expect(wsb.getByRole('cell').nth(0)).toHaveText('Yes');
  await expect(wsb).not.toContainText(NO_TARGET);

  await page.goto('/admin/connections');
  await disconnectByName(page, hostCard(page), CONNECTION);
});
