/**
 * An admin connects a XenServer / XCP-ng pool as they would in production: the pool is a fake
 * XAPI speaking JSON-RPC over HTTPS (its own certificate, real sockets) started by this spec. The
 * account goes into the vault, "Test connection" pins the host's certificate and shows what the
 * pool answered, the guest hook's SSH account is set afterwards and tested against a Linux guest
 * (a fake Linux machine over real SSH), "Discover now" brings its VMs into the inventory, and the
 * pool is disconnected.
 * (It runs last: the pool's three VMs stay in the inventory.)
 */
import { expect, test } from '@playwright/test';
import { fixturePool } from '../server/drivers/xapi/fake/fake-fixtures';
import { FakeLinuxMachine, linuxGuestMounts } from '../server/drivers/xapi/fake/fake-linux-ssh';
import { type FakeXapi, startFakeXapi } from '../server/drivers/xapi/fake/fake-xapi-server';
import { GUEST_SSH_KEY } from '../server/drivers/xapi/xapi-guest-hook';
import { storeAccount } from './fixtures/connections';
import { disconnectByName } from './fixtures/disconnect';

let fake: FakeXapi;
/** web01's guest: the pool tells the hook where it is (other-config:migawka-guest-ssh). */
const guest = new FakeLinuxMachine('web01', { username: 'backup', password: 'guest-pw' }, linuxGuestMounts());
test.beforeAll(async () => {
  const fixture = fixturePool();
  await guest.start();
  fixture.pool.mod('VM', fixture.web01, { other_config: { [GUEST_SSH_KEY]: `127.0.0.1:${guest.port}` } });
  fake = await startFakeXapi({ pool: fixture.pool });
});
test.afterAll(async () => {
  await fake?.stop();
  await guest.stop();
});

test('an admin connects a pool, tests it, discovers its VMs and disconnects it', async ({ page }) => {
  test.setTimeout(180_000);
  await page.goto('/');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Connections' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Connections' })).toBeVisible();

  // The account first: into the vault, never shown again.
  await storeAccount(page, { name: 'Lab pool root', username: 'root', password: 's3cret' });
  await expect(page.getByRole('table', { name: 'Accounts in the vault' })).toContainText('Lab pool root');
  await expect(page.getByText('s3cret')).toHaveCount(0);

  // A bad address is refused, naming the field; nothing is added.
  const poolForm = page.getByRole('form', { name: 'Add a pool' });
  await poolForm.getByLabel('Pool name in Migawka').fill('Lab pool');
  await poolForm.getByLabel('Address of any host of the pool').fill('https://xcp1/');
  await poolForm.getByLabel('Account', { exact: true }).selectOption({ label: 'Lab pool root (root)' });
  await poolForm.getByRole('button', { name: 'Add pool' }).click();
  await expect(poolForm.getByText('Enter a host name or IP address, optionally with :port')).toBeVisible();
  await expect(page.getByText('No pool connected yet.')).toBeVisible();

  await poolForm.getByLabel('Address of any host of the pool').fill(fake.address());
  await poolForm.getByRole('button', { name: 'Add pool' }).click();
  const pool = page.getByRole('article', { name: 'Pool Lab pool' });
  await expect(pool).toContainText(`${fake.address()} · account Lab pool root`);
  // No "Not discovered yet" check: the worker starts watching a new pool at once, so its first
  // sync may already have landed by now.

  await pool.getByRole('button', { name: 'Test connection' }).click();
  await expect(pool.getByRole('status')).toContainText(
    'Connected to pool pool-lab: 2 host(s), 3 VM(s), 3 storage repositories',
  );
  await expect(pool.getByRole('status')).toContainText('xcp1 (pool master): XCP-ng 8.2.1, API 2.20');
  // Trusted on first use: the fingerprint is shown for the admin to compare.
  await expect(pool).toContainText(new RegExp(`${fake.address()}: ([0-9A-F]{2}:){31}[0-9A-F]{2}`));

  // The pool was added without a guest SSH account: the admin sets one afterwards and tests it.
  const hook = pool.getByRole('region', { name: 'Guest hook and host flush of Lab pool' });
  await expect(hook.getByRole('definition').first()).toHaveText('none');
  await expect(hook.getByRole('button', { name: 'Test guest account' })).toBeDisabled();
  await storeAccount(page, { name: 'Linux guests', username: 'backup', password: 'guest-pw' });
  await hook.getByRole('button', { name: 'Change SSH accounts…' }).click();
  const sshForm = hook.getByRole('form', { name: 'SSH accounts of Lab pool' });
  await sshForm
    .getByLabel('Guest SSH account (Linux guests)')
    .selectOption({ label: 'Linux guests (backup)' });
  await sshForm.getByLabel('Freeze window (minutes)').fill('5');
  await sshForm.getByRole('button', { name: 'Save SSH accounts' }).click();
  await expect(page.getByText('SSH accounts of Lab pool saved: guest Linux guests, host none')).toBeVisible();
  await expect(hook.getByRole('definition').first()).toHaveText('Linux guests (user backup)');
  await expect(hook).toContainText('Freeze window5 min');
  await expect(page.getByText('guest-pw')).toHaveCount(0);
  await hook.getByRole('button', { name: 'Test guest account' }).click();
  // sql01 runs Windows: the test signs in to web01, the first Linux guest it can reach, and freezes nothing.
  await expect(hook.getByRole('status')).toContainText(
    `Guest account works: Signed in to guest of web01 (127.0.0.1:${guest.port}) as backup: a freeze would freeze /var/lib/mysql, /`,
  );
  expect(guest.frozen.size).toBe(0);
  await pool.getByRole('button', { name: 'Discover now' }).click();
  await expect(page.getByText('Discovered pool-lab: 2 host(s), 3 VM(s) in the inventory')).toBeVisible();
  await expect(pool).toContainText('Last sync');

  // Pointed at a VM picked by name from the pool's own: app01 is halted, so the hook could not
  // reach it, and the test says so.
  const guestTarget = hook.getByRole('combobox', { name: 'Test the guest account on' });
  await guestTarget.fill('app');
  const vmChoices = hook.getByRole('listbox', { name: 'VMs matching the typed name' });
  await expect(vmChoices.getByRole('option')).toHaveText([
    /^The first running Linux guest/,
    /^app01.*, off, on xcp\d$/,
  ]);
  await vmChoices.getByRole('option', { name: /^app01/ }).click();
  await expect(guestTarget).toHaveValue('app01');
  await hook.getByRole('button', { name: 'Test guest account' }).click();
  await expect(hook.getByRole('alert')).toContainText(
    'Guest account test failed: app01 is halted: the guest hook reaches running guests only',
  );
  // The host account's picker offers the pool's hosts, not its VMs.
  await hook.getByRole('combobox', { name: 'Test the host account on' }).fill('xcp');
  await expect(
    hook
      .getByRole('listbox', { name: 'Hosts matching the typed name' })
      .getByRole('option', { name: /^xcp\d$/ }),
  ).toHaveCount(2);
  await page.keyboard.press('Escape');

  // The pool's VMs are in the console like any other, on their XenServer host.
  await page.goto('/vms');
  await page.getByLabel('Search by name').fill('web01');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByRole('link', { name: 'web01', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'web01' })).toBeVisible();
  await expect(page.getByRole('main')).toContainText('xcp1');

  await page.goto('/admin/connections');
  await disconnectByName(page, pool, 'Lab pool', /VMs? on its hosts|No VM is on its hosts/);
  await expect(page.getByText('No pool connected yet.')).toBeVisible();
});
