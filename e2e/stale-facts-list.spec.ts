/**
 * The dashboard and the VM list say when the facts their readiness and protection rest on may be
 * out of date. An admin connects a Hyper-V host (the fake Windows host over real SSH that
 * hyperv-host-connection.spec.ts uses, started by this spec) and syncs it: nothing is said. The
 * host is reinstalled and its next sync is refused: both pages name the connection, its error, the
 * host and when its facts were read, and lead to the host's page; a viewer reads the same, without
 * the admin's link to the connections. Once the host is disconnected, both say no connection reads it.
 * The VMs are renamed st-sql01, st-file01, st-web01 on the fake host, apart from other specs' VMs.
 * What it leaves behind: the host HV01 with its VMs, no connection (as hyperv-host-connection.spec.ts
 * leaves it), and one vault account named for this spec only.
 */
import { expect, type Page, test } from '@playwright/test';
import { ADMIN, startFakeHost } from '../server/drivers/hyperv/hyperv-test-support';
import { disconnectByName } from './fixtures/disconnect';
import { storageStateOf } from './fixtures/users';

let fake: Awaited<ReturnType<typeof startFakeHost>>;
test.beforeAll(async () => {
  fake = await startFakeHost(4096);
  for (const vm of fake.model.state.vms) vm.name = `st-${vm.name}`;
});
test.afterAll(async () => {
  await fake?.dispose();
});
test.describe.configure({ mode: 'serial' });

const CONNECTION = 'HV01 stale';
const ACCOUNT = 'HV01 stale-facts account';

/** The warning of the dashboard and the VM list, whatever the number of hosts it names. */
const staleWarning = (page: Page) =>
  page.getByRole('status', { name: /^Facts of \d+ hosts? may be out of date$/ });

async function openFromNav(page: Page, link: 'Dashboard' | 'VMs' | 'Connections', heading: string) {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: link, exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: heading })).toBeVisible();
}

test('an admin sees on the dashboard and the VM list that a host whose last sync failed shows older facts, and opens the host', async ({
  page,
}) => {
  test.setTimeout(120_000);
  await page.goto('/');
  await openFromNav(page, 'Connections', 'Connections');
  const accountForm = page.getByRole('form', { name: 'Add an account' });
  await accountForm.getByLabel('Account name').fill(ACCOUNT);
  await accountForm.getByLabel('User name').fill(ADMIN.username);
  await accountForm.getByLabel('Password').fill(ADMIN.password);
  await accountForm.getByRole('button', { name: 'Store in the vault' }).click();
  await expect(page.getByText(`Account ${ACCOUNT} stored in the vault`)).toBeVisible();

  const form = page.getByRole('form', { name: 'Add a Hyper-V host' });
  await form.getByLabel('Host name in Migawka').fill(CONNECTION);
  await form.getByLabel('Host address (OpenSSH server)').fill('127.0.0.1');
  await form.getByLabel('SSH port').fill(String(fake.host.port));
  await form.getByLabel('Host account').selectOption({ label: `${ACCOUNT} (${ADMIN.username})` });
  await form.getByRole('button', { name: 'Add host' }).click();
  const host = page.getByRole('article', { name: `Hyper-V host ${CONNECTION}` });
  await host.getByRole('button', { name: 'Sync now' }).click();
  await expect(host.getByRole('status', { name: `Last sync of ${CONNECTION}` })).toContainText(
    'Synced HV01: 3 VMs in the inventory',
  );

  // Every host's facts are current (the lab's always are): nothing is said. (The warning's answer
  // comes in the same batch as the page's own, so once the page shows, it would show too.)
  await openFromNav(page, 'Dashboard', 'Dashboard');
  await expect(page.getByRole('heading', { name: 'VMs by backup readiness' })).toBeVisible();
  await expect(staleWarning(page)).toHaveCount(0);
  await openFromNav(page, 'VMs', 'Virtual machines');
  await expect(page.getByRole('table', { name: /^Virtual machines, sorted by/ })).toBeVisible();
  await expect(staleWarning(page)).toHaveCount(0);

  // The host is reinstalled: its next sync is refused, and what the inventory holds of it stays.
  await fake.host.restartWithNewKey();
  await openFromNav(page, 'Connections', 'Connections');
  await host.getByRole('button', { name: 'Sync now' }).click();
  await expect(host).toContainText(
    `Last sync failed: Hyper-V host ${CONNECTION}: the host presented a different SSH host key`,
  );

  await openFromNav(page, 'Dashboard', 'Dashboard');
  const onDashboard = staleWarning(page);
  await expect(onDashboard).toContainText(
    `The last sync of Hyper-V host ${CONNECTION} failed: the host presented a different SSH host key`,
  );
  await expect(onDashboard).toContainText(
    /What HV01 shows of its \d+ VMs is what its last successful sync read, at /,
  );
  await expect(onDashboard.getByRole('link', { name: CONNECTION, exact: true })).toHaveAttribute(
    'href',
    '/admin/connections',
  );

  await openFromNav(page, 'VMs', 'Virtual machines');
  const onVmList = staleWarning(page);
  await expect(onVmList).toContainText(`The last sync of Hyper-V host ${CONNECTION} failed`);
  await onVmList.getByRole('link', { name: 'HV01', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'HV01' })).toBeVisible();
  await expect(page.getByRole('status', { name: 'Facts of HV01 may be out of date' })).toContainText(
    'What this page shows about HV01 is what its last successful sync read, at',
  );
});

test.describe('as a viewer', () => {
  test.use({ storageState: storageStateOf('viewer') });

  test('a viewer reads the same warning, with no link to the admins’ connections page', async ({ page }) => {
    await page.goto('/');
    const warning = staleWarning(page);
    await expect(warning).toContainText(
      `The last sync of Hyper-V host ${CONNECTION} failed: the host presented a different SSH host key`,
    );
    await expect(warning.getByRole('link', { name: CONNECTION, exact: true })).toHaveCount(0);
    await warning.getByRole('link', { name: 'HV01', exact: true }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'HV01' })).toBeVisible();
  });
});

test('once the host is disconnected, the dashboard and the VM list say no connection reads it', async ({
  page,
}) => {
  await page.goto('/admin/connections');
  const host = page.getByRole('article', { name: `Hyper-V host ${CONNECTION}` });
  await disconnectByName(
    page,
    host,
    CONNECTION,
    /\d+ VMs? on its hosts can then be neither backed up nor restored/,
  );
  await expect(page.getByText(`Hyper-V host ${CONNECTION} disconnected`)).toBeVisible();

  const disconnected =
    /No Hyper-V host connection reads HV01 \(it was disconnected, or its facts came from a file\): what it shows of its \d+ VMs was last read into the inventory/;
  await openFromNav(page, 'Dashboard', 'Dashboard');
  await expect(staleWarning(page)).toContainText(disconnected);
  await expect(staleWarning(page)).not.toContainText(CONNECTION);
  await openFromNav(page, 'VMs', 'Virtual machines');
  await expect(staleWarning(page)).toContainText(disconnected);
  await staleWarning(page).getByRole('link', { name: 'HV01', exact: true }).click();
  await expect(page.getByRole('status', { name: 'Facts of HV01 may be out of date' })).toContainText(
    'No Hyper-V host connection reads HV01 (it was disconnected',
  );
});
