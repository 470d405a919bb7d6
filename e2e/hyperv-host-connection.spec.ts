/**
 * An admin connects a Hyper-V host as they would in production: the host is the fake Windows host
 * (an SSH server on loopback that runs the repository's .ps1 scripts against a host model whose
 * disks hold real bytes) started by this spec, with the estate of fake-estate.ts: sql01 with SQL
 * Server and a guest account, file01 with a pass-through disk (its size not read), web01 off. Inside sql01, F: keeps
 * its shadow copies on C: (shadow storage on another volume). The accounts go into the vault, a
 * test before saving shows the host's key and what works, the admin trusts that key on adding,
 * syncs, accepts a changed key, sees the findings, backs web01 up and restores it as a new VM
 * whose disk bytes on the host match the original's, sees web01 marked gone after it is deleted
 * on the host (and back after it returns), and disconnects the host.
 * The VMs are renamed hv-sql01, hv-file01, hv-web01 on the fake host, apart from other specs' VMs.
 * What it leaves behind: the host HV01 with its VMs (and hv-web01-restored twice: the restore's
 * record, marked gone, and the one the later sync read), one restore point, no connection; two
 * vault accounts named for this spec only.
 */
import { createHash } from 'node:crypto';
import { expect, type Page, test } from '@playwright/test';
import { GUEST_PASSWORD, GUEST_USER } from '../server/drivers/hyperv/fake/fake-estate';
import { ADMIN, startFakeHost } from '../server/drivers/hyperv/hyperv-test-support';
import { operationStatus } from './fixtures/backup-api';
import { disconnectByName } from './fixtures/disconnect';

let fake: Awaited<ReturnType<typeof startFakeHost>>;
test.beforeAll(async () => {
  fake = await startFakeHost(64 * 1024);
  // Named apart from the other specs' VMs (the XAPI pool has a web01 too): hv-sql01, hv-file01, hv-web01.
  for (const vm of fake.model.state.vms) vm.name = `hv-${vm.name}`;
  // Inside sql01, F: keeps its shadow copies on C: (an admin moved them there to save space).
  const guest = fake.model.state.vms.find((vm) => vm.name === 'hv-sql01')?.guest;
  if (!guest) throw new Error('the fake estate has no hv-sql01 guest');
  const [c, f] = guest.volumes;
  if (!c || !f) throw new Error('the hv-sql01 guest has no C: and F:');
  guest.shadowStorage.push({
    volume: f.deviceId,
    diffVolume: c.deviceId,
    usedSpace: 0,
    allocatedSpace: 0,
    maxSpace: 8 * 1024 ** 3,
  });
});
test.afterAll(async () => {
  await fake?.dispose();
});
test.describe.configure({ mode: 'serial' });

const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

async function storeAccount(page: Page, name: string, username: string, password: string) {
  const accountForm = page.getByRole('form', { name: 'Add an account' });
  await accountForm.getByLabel('Account name').fill(name);
  // A user name past the vault's limit is named under its field, and nothing is stored.
  await accountForm.getByLabel('User name').fill('u'.repeat(201));
  await accountForm.getByLabel('Password').fill(password);
  await accountForm.getByRole('button', { name: 'Store in the vault' }).click();
  await expect(accountForm.getByText('The user name is longer than 200 characters')).toBeVisible();
  await accountForm.getByLabel('User name').fill(username);
  await accountForm.getByLabel('Password').fill(password);
  await accountForm.getByRole('button', { name: 'Store in the vault' }).click();
  await expect(page.getByText(`Account ${name} stored in the vault`)).toBeVisible();
}

test('an admin adds a Hyper-V host after testing it, syncs it, accepts its changed key and sees its findings', async ({
  page,
}) => {
  test.setTimeout(120_000);
  await page.goto('/');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Connections' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Connections' })).toBeVisible();
  await expect(page.getByText('No Hyper-V host connected yet.')).toBeVisible();
  await storeAccount(page, 'HV01 migawka', ADMIN.username, ADMIN.password);
  await storeAccount(page, 'SQL01 guest admin', GUEST_USER, GUEST_PASSWORD);

  // A bad address is refused, naming the field; nothing is added.
  const form = page.getByRole('form', { name: 'Add a Hyper-V host' });
  await form.getByLabel('Host name in Migawka').fill('HV01 lab');
  await form.getByLabel('Host address (OpenSSH server)').fill('ssh://hv01:22');
  await form.getByLabel('SSH port').fill(String(fake.host.port));
  await form.getByLabel('Host account').selectOption({ label: `HV01 migawka (${ADMIN.username})` });
  await form
    .getByLabel('Guest account for PowerShell Direct')
    .selectOption({ label: `SQL01 guest admin (${GUEST_USER})` });
  await form.getByRole('button', { name: 'Add host' }).click();
  await expect(form.getByText('Enter a host name or IP address')).toBeVisible();
  await expect(page.getByText('No Hyper-V host connected yet.')).toBeVisible();

  // Tested before saving: what works, guest by guest, and the host's key to compare.
  await form.getByLabel('Host address (OpenSSH server)').fill('127.0.0.1');
  await form.getByRole('button', { name: 'Test before saving' }).click();
  const draft = form.getByRole('status');
  await expect(draft).toContainText('Reachable and signed in: HV01 (Windows 10.0.20348), 3 VMs');
  await expect(draft).toContainText('Account elevated (administrator or in Hyper-V Administrators): yes');
  await expect(draft).toContainText('Hyper-V PowerShell module: installed');
  await expect(draft).toContainText('PowerShell Direct to hv-sql01: works');
  await expect(draft).toContainText(
    'PowerShell Direct to hv-file01: unknown — PowerShell Direct to hv-file01',
  );
  await expect(draft).toContainText('PowerShell Direct to hv-web01: unknown — hv-web01 is not running');
  await expect(page.getByText('No Hyper-V host connected yet.')).toBeVisible();
  await form.getByLabel(`I compared ${fake.host.fingerprint} with the host: trust this SSH host key`).check();
  await form.getByRole('button', { name: 'Add host' }).click();
  await expect(
    page.getByText('Hyper-V host HV01 lab added: test the connection, then sync it'),
  ).toBeVisible();

  const host = page.getByRole('article', { name: 'Hyper-V host HV01 lab' });
  await expect(host).toContainText(
    `127.0.0.1:${fake.host.port} · account HV01 migawka · guest account SQL01 guest admin`,
  );
  await expect(host).toContainText(`Trusted SSH host key: ${fake.host.fingerprint}`);
  await expect(host).toContainText('Not synced yet');

  // The Windows Server Backup target can be set after the host is added: a bad one is refused,
  // naming what is wrong; a good one shows on the card; an empty one stops WSB on the host.
  await expect(host).toContainText('No Windows Server Backup target');
  await host.getByRole('button', { name: 'Change WSB target' }).click();
  const wsbTarget = host.getByLabel('Windows Server Backup target of HV01 lab (empty: WSB is not used)');
  await wsbTarget.fill('backup-disk');
  await host.getByRole('button', { name: 'Save target' }).click();
  await expect(host.getByRole('alert')).toContainText('Enter a volume (E:) or a share');
  await wsbTarget.fill('E:');
  await host.getByRole('button', { name: 'Save target' }).click();
  await expect(page.getByText('Windows Server Backup on HV01 lab now writes to E:')).toBeVisible();
  await expect(host).toContainText('Windows Server Backup writes to E:.');
  await host.getByRole('button', { name: 'Change WSB target' }).click();
  await wsbTarget.fill('');
  await host.getByRole('button', { name: 'Save target' }).click();
  await expect(page.getByText('Windows Server Backup is no longer used on HV01 lab')).toBeVisible();
  await expect(host).toContainText('No Windows Server Backup target');

  await host.getByRole('button', { name: 'Test connection' }).click();
  await expect(host.getByRole('status')).toContainText('Reachable and signed in: HV01');

  await host.getByRole('button', { name: 'Sync now' }).click();
  // Two guests were not read: a partial sync, said so (a warning, not a plain success).
  await expect(page.getByText('Synced HV01 lab: 3 VMs in the inventory; 2 guests not read')).toBeVisible();
  const synced = host.getByRole('status', { name: 'Last sync of HV01 lab' });
  await expect(synced).toContainText(
    'Synced HV01: 3 VMs in the inventory, 1 of them read inside through PowerShell Direct.',
  );
  await expect(synced).toContainText('Not read inside (their guest facts stay unknown)');
  await expect(synced).toContainText('hv-web01: hv-web01 is not running');
  await expect(host).toContainText('Last sync');

  // The host is reinstalled (or someone is in the middle): its new key is refused until accepted.
  const first = fake.host.fingerprint;
  await fake.host.restartWithNewKey();
  await host.getByRole('button', { name: 'Test connection' }).click();
  await expect(host.getByRole('alert').filter({ hasText: 'Connection failed' })).toContainText(
    'presented a different SSH host key',
  );
  const changed = host.getByRole('alert').filter({ hasText: 'presented a different SSH host key:' });
  await expect(changed).toContainText(
    `HV01 lab presented a different SSH host key: ${fake.host.fingerprint}`,
  );
  await expect(host).toContainText(`Trusted SSH host key: ${first}`);
  await changed.getByRole('button', { name: 'Accept the new SSH host key of HV01 lab' }).click();
  await expect(page.getByText('The new SSH host key of HV01 lab is trusted')).toBeVisible();
  await expect(host).toContainText(`Trusted SSH host key: ${fake.host.fingerprint}`);
  await host.getByRole('button', { name: 'Test connection' }).click();
  await expect(host.getByRole('status').first()).toContainText('Reachable and signed in: HV01');

  // The findings on the real-shaped estate, on the VMs' own pages.
  await page.goto('/vms');
  await page.getByLabel('Search by name').fill('hv-file01');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByRole('link', { name: 'hv-file01', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'hv-file01' })).toBeVisible();
  await expect(page.getByRole('main')).toContainText(
    "VM 'hv-file01' on host 'HV01' has pass-through disk 'Disk 3 (pass-through)'",
  );
  // A pass-through disk has no VHD to read a size from: its size is said to be unread, not 0 B.
  const passthroughRow = page
    .getByRole('table', { name: 'Disks of hv-file01' })
    .getByRole('row')
    .filter({ hasText: 'Disk 3 (pass-through)' });
  await expect(passthroughRow).toContainText('not read');
  await expect(passthroughRow).not.toContainText('0 B');
  // Its guest refused PowerShell Direct: what could not be read is said, not assumed fine.
  await expect(page.getByRole('main')).toContainText(
    "Could not verify the guest of VM 'hv-file01' on host 'HV01' because PowerShell Direct to hv-file01",
  );
  await page.goto('/vms');
  await page.getByLabel('Search by name').fill('hv-sql01');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByRole('link', { name: 'hv-sql01', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'hv-sql01' })).toBeVisible();
  await expect(page.getByRole('main')).toContainText(
    "Volume F: of VM 'hv-sql01' keeps its shadow copies on C:",
  );
});

test('an admin backs up hv-web01 on the Hyper-V host, restores it as a new VM whose disk bytes match, and disconnects the host', async ({
  page,
}) => {
  test.setTimeout(150_000);
  const web01 = fake.model.state.vms.find((vm) => vm.name === 'hv-web01');
  const original = web01?.drives[0]?.path;
  if (!original) throw new Error('the fake estate has no hv-web01 disk');
  const originalSha = sha(fake.model.readFile(original));

  await page.goto('/vms');
  await page.getByLabel('Search by name').fill('hv-web01');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByRole('link', { name: 'hv-web01', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'hv-web01' })).toBeVisible();
  await page.getByRole('button', { name: 'Back up now' }).click();
  await page.getByRole('button', { name: 'Start backup' }).click();
  await expect(page).toHaveURL(/\/operations\/op-/);
  await expect(operationStatus(page)).toHaveText('succeeded', { timeout: 60_000 });
  // The checkpoint the backup read from is merged away: the VM is left as it was.
  expect(web01?.checkpoints).toEqual([]);
  expect(web01?.drives[0]?.path).toBe(original);

  await page.goto('/restore/new');
  await expect(page.getByRole('heading', { level: 2, name: 'Which VM?' })).toBeFocused();
  await page.getByLabel('Search VMs by name').fill('hv-web01');
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await page.getByRole('radio', { name: /^hv-web01 / }).click();
  await page.getByRole('button', { name: 'Next: restore point' }).click();
  await page.getByRole('radiogroup', { name: 'Restore point timeline' }).getByRole('radio').first().click();
  await page.getByRole('button', { name: 'Next: mode' }).click();
  await page.getByRole('radio', { name: /Restore as a new VM/ }).click();
  await page.getByLabel('New VM name').fill('hv-web01-restored');
  await expect(page.getByLabel('Target host')).toHaveValue('HV01');
  await page.getByRole('button', { name: 'Next: impact' }).click();
  await expect(page.getByText('No other VM is affected.')).toBeVisible();
  await page.getByRole('button', { name: 'Next: confirm' }).click();
  await page.getByRole('button', { name: 'Run restore' }).click();
  await expect(page).toHaveURL(/\/operations\/op-/);
  await expect(operationStatus(page)).toHaveText('succeeded', { timeout: 60_000 });

  // On the host: a new VM, left off, whose disk holds the bytes web01's disk held at the backup.
  const restored = fake.model.state.vms.find((vm) => vm.name === 'hv-web01-restored');
  expect(restored?.state).toBe(3); // Off
  const restoredDisk = restored?.drives[0]?.path;
  expect(restoredDisk).toBe('D:\\Hyper-V\\hv-web01-restored\\web.vhdx');
  expect(sha(fake.model.readFile(restoredDisk ?? ''))).toBe(originalSha);

  // hv-web01 is deleted on the host: the next sync marks it gone, keeps it, and the list finds it.
  const onHost = fake.model.state.vms;
  fake.model.state.vms = onHost.filter((vm) => vm !== web01);
  await page.goto('/admin/connections');
  const host = page.getByRole('article', { name: 'Hyper-V host HV01 lab' });
  await host.getByRole('button', { name: 'Sync now' }).click();
  const synced = host.getByRole('status', { name: 'Last sync of HV01 lab' });
  // Known gap: the restore recorded hv-web01-restored under the id its plan chose, and the sync
  // lists it under its Hyper-V id, so the restore's record is named gone too (not asserted here).
  await expect(synced).toContainText(
    'No longer on the host (marked gone, kept with their restore points and jobs): hv-web01',
  );
  await page.goto('/vms');
  await page.getByLabel('Presence').selectOption('gone');
  const table = page.getByRole('table');
  const goneRow = table
    .getByRole('row')
    .filter({ has: page.getByRole('link', { name: 'hv-web01', exact: true }) });
  await expect(goneRow).toContainText(/Gone from HV01 since /);
  await expect(table.getByRole('link', { name: 'hv-sql01', exact: true })).toHaveCount(0);
  await goneRow.getByRole('link', { name: 'hv-web01', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'hv-web01' })).toBeVisible();
  await expect(page.getByText(/^Gone from HV01 since /)).toBeVisible();
  // Gone VMs have no readiness: the dashboard and the hosts list count them apart, and lead to them.
  await page.goto('/');
  await page.getByRole('link', { name: /^\d+ gone from their host$/ }).click();
  await expect(page).toHaveURL(/presence=gone/);
  await expect(page.getByRole('link', { name: 'hv-web01', exact: true })).toBeVisible();
  await page.goto('/hosts');
  await page
    .getByRole('row')
    .filter({ has: page.getByRole('link', { name: 'HV01', exact: true }) })
    .getByRole('link', { name: /^\d+ gone$/ })
    .click();
  await expect(page).toHaveURL(/presence=gone/);
  await expect(page.getByRole('link', { name: 'hv-web01', exact: true })).toBeVisible();

  // Back on the host: the next sync says so and the mark is gone.
  fake.model.state.vms = onHost;
  await page.goto('/admin/connections');
  await host.getByRole('button', { name: 'Sync now' }).click();
  await expect(synced).toContainText('Back on the host: hv-web01.');

  // The guest account's password is changed inside hv-sql01: the next sync cannot read its guest.
  // What an earlier read found (F: keeping its shadow copies on C:, hence saved state) is not judged
  // as today's: hv-sql01 reads neither ready nor saved state, but not confirmed, in its badge, its
  // recommendation and its guest volumes.
  const sqlGuest = fake.model.state.vms.find((vm) => vm.name === 'hv-sql01')?.guest;
  if (!sqlGuest) throw new Error('the fake estate has no hv-sql01 guest');
  sqlGuest.password = 'changed-inside-the-guest';
  await host.getByRole('button', { name: 'Sync now' }).click();
  await expect(synced).toContainText(/Not read inside \(their guest facts stay unknown\).*hv-sql01: /);
  await page.goto('/vms?readiness=unconfirmed');
  await page.getByRole('link', { name: 'hv-sql01', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'hv-sql01' })).toBeVisible();
  await expect(page.getByText('Not confirmed: facts not read', { exact: true })).toBeVisible();
  const main = page.getByRole('main');
  await expect(main).toContainText('Online capture is expected but not confirmed');
  await expect(main).toContainText('these are the volumes an earlier read found, and may have changed since');
  await expect(main).not.toContainText('keeps its shadow copies on C:');
  sqlGuest.password = GUEST_PASSWORD;
  await page.goto('/admin/connections');
  await host.getByRole('button', { name: 'Sync now' }).click();
  await expect(synced).toContainText('1 of them read inside through PowerShell Direct');

  // The host is reinstalled and its next sync is refused: the host's and its VMs' pages say their
  // facts are what the last successful sync read, not today's.
  await fake.host.restartWithNewKey();
  await host.getByRole('button', { name: 'Sync now' }).click();
  await expect(host).toContainText(
    'Last sync failed: Hyper-V host HV01 lab: the host presented a different SSH host key',
  );
  await page.goto('/hosts');
  await page.getByRole('link', { name: 'HV01', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'HV01' })).toBeVisible();
  const stale = page.getByRole('status', { name: 'Facts of HV01 may be out of date' });
  await expect(stale).toContainText(
    'The last sync of Hyper-V host HV01 lab failed: the host presented a different SSH host key',
  );
  await expect(stale).toContainText(
    'What this page shows about HV01 is what its last successful sync read, at',
  );
  await page.getByRole('link', { name: 'hv-sql01', exact: true }).first().click();
  await expect(page.getByRole('heading', { level: 1, name: 'hv-sql01' })).toBeVisible();
  await expect(page.getByRole('status', { name: 'Facts of HV01 may be out of date' })).toContainText(
    'HV01 lab failed: the host presented a different SSH host key',
  );
  await page.goto('/admin/connections');
  const refused = host.getByRole('alert').filter({ hasText: 'presented a different SSH host key:' });
  await refused.getByRole('button', { name: 'Accept the new SSH host key of HV01 lab' }).click();
  await host.getByRole('button', { name: 'Sync now' }).click();
  await expect(host).not.toContainText('Last sync failed');
  await page.goto('/hosts');
  await page.getByRole('link', { name: 'HV01', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'HV01' })).toBeVisible();
  await expect(page.getByRole('status', { name: 'Facts of HV01 may be out of date' })).toHaveCount(0);

  // The admin disconnects the host: the connection is forgotten, its VMs and points stay.
  await page.goto('/admin/connections');
  await disconnectByName(page, host, 'HV01 lab', 'stays in the inventory');
  await expect(page.getByText('No Hyper-V host connected yet.')).toBeVisible();
  // Its host stays, with what was last read: its page says nothing updates it any more.
  await page.goto('/hosts');
  await page.getByRole('link', { name: 'HV01', exact: true }).click();
  await expect(page.getByRole('status', { name: 'Facts of HV01 may be out of date' })).toContainText(
    'No Hyper-V host connection reads HV01 (it was disconnected',
  );
});
