/**
 * Two VMs of one name on one Hyper-V host (Hyper-V allows it): an in-place restore of one is
 * confirmed by a text the other's never matches — its name, its Hyper-V VM id and its host — and
 * the wizard says why, with where to read the id on the host. An admin connects the fake Windows
 * host (the SSH server on loopback of hyperv-host-connection.spec.ts, started by this spec) whose
 * file01 and web01 are both renamed ns-twin01, syncs it, backs up the one that is off (web01),
 * reads its id on its VM page, and walks the restore wizard to the confirmation: the bare name,
 * the name with the host, and the namesake's text all leave the run disabled; its own text sends
 * it for approval (four-eyes), where the approver reads the same text; the requester then
 * withdraws it, so nothing runs.
 * What it leaves behind: the host HV01 with its VMs named as here (ns-sql01, ns-twin01 twice) until
 * another spec syncs it, one restore point of web01, a rejected request, no connection, and one
 * vault account named for this spec only.
 */
import { expect, test } from '@playwright/test';
import { FILE01, WEB01 } from '../server/drivers/hyperv/fake/fake-estate';
import { vmInventoryId } from '../server/drivers/hyperv/hyperv-discovery';
import { ADMIN, startFakeHost } from '../server/drivers/hyperv/hyperv-test-support';
import { runBackup } from './fixtures/backup-api';
import { addHypervHost, storeAccount, syncHypervHost } from './fixtures/connections';
import { disconnectByName } from './fixtures/disconnect';

const CONNECTION = 'HV01 namesakes';
const ACCOUNT = 'HV01 namesakes account';
const TWIN = 'ns-twin01';
// The fake's VM ids differ only in their last character: shortened, they stay whole.
const OWN_TEXT = `${TWIN} (${WEB01}) on HV01`;
const OTHER_TEXT = `${TWIN} (${FILE01}) on HV01`;

let fake: Awaited<ReturnType<typeof startFakeHost>>;
test.beforeAll(async () => {
  fake = await startFakeHost(64 * 1024);
  for (const vm of fake.model.state.vms)
    vm.name = vm.id === WEB01 || vm.id === FILE01 ? TWIN : `ns-${vm.name}`;
});
test.afterAll(async () => {
  await fake?.dispose();
});

test('an in-place restore of one of two same-named VMs on a host is confirmed by its Hyper-V VM id', async ({
  page,
}) => {
  test.setTimeout(180_000);
  await page.goto('/admin/connections');
  await storeAccount(page, { name: ACCOUNT, ...ADMIN });
  await addHypervHost(page, {
    name: CONNECTION,
    port: fake.host.port,
    account: ACCOUNT,
    username: ADMIN.username,
  });
  const host = await syncHypervHost(page, CONNECTION, 'Synced HV01: 3 VMs in the inventory');

  const vmId = vmInventoryId(WEB01);
  await runBackup(page, { kind: 'vms', vmIds: [vmId] });

  // The VM page shows the id the confirmation will ask for, as Get-VM shows it on the host.
  await page.goto(`/vms/${encodeURIComponent(vmId)}`);
  await expect(page.getByRole('heading', { level: 1, name: TWIN })).toBeVisible();
  await expect(page.getByText(`Hyper-V VM id ${WEB01}`, { exact: true })).toBeVisible();

  await page.goto(`/restore/new?vmId=${encodeURIComponent(vmId)}`);
  await page.getByRole('button', { name: 'Next: restore point' }).click();
  await page.getByRole('radiogroup', { name: 'Restore point timeline' }).getByRole('radio').first().click();
  await page.getByRole('button', { name: 'Next: mode' }).click();
  await page.getByRole('radio', { name: /Replace the VM in place/ }).click();
  await page.getByRole('button', { name: 'Next: impact' }).click();
  await page.getByRole('button', { name: 'Next: confirm' }).click();
  await expect(page.getByRole('heading', { level: 2, name: 'Confirm and run' })).toBeFocused();

  const confirmation = page.getByLabel(/Type the VM name/);
  // Why the id is asked, and where the operator reads it on the host.
  await expect(confirmation).toHaveAccessibleDescription(
    new RegExp(
      `^Another VM on HV01 is also named ${TWIN} \\(${FILE01}\\): the one overwritten has Hyper-V VM id ${WEB01}, as Get-VM -Name '${TWIN}' \\| Select-Object Name, Id shows it\\.`,
    ),
  );
  await expect(page.getByText(OWN_TEXT, { exact: true })).toHaveClass(/font-mono/);
  const run = page.getByRole('button', { name: `Send for approval: replace ${OWN_TEXT} in place` });
  for (const typed of [TWIN, `${TWIN} on HV01`, OTHER_TEXT]) {
    await confirmation.fill(typed);
    await expect(run).toBeDisabled();
  }
  await confirmation.fill(OWN_TEXT);
  await expect(run).toBeEnabled();
  await run.click();

  // The approver reads what was typed; the requester withdraws the request, so nothing runs.
  await page
    .getByRole('link', { name: /View the request/ })
    .first()
    .click();
  await expect(page.getByLabel('Request status')).toHaveText('Waiting for approval');
  await expect(page.getByText(`confirmed by typing "${OWN_TEXT}"`, { exact: false })).toBeVisible();
  await page
    .getByLabel('Comment (required to reject)')
    .fill('Withdrawn: restore-namesake.spec only checks the confirmation');
  await page.getByRole('button', { name: 'Reject' }).click();
  await expect(page.getByLabel('Request status')).toHaveText('Rejected');

  await page.goto('/admin/connections');
  await disconnectByName(page, host, CONNECTION);
});
