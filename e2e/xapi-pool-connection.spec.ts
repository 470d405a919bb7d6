/**
 * An admin connects a XenServer / XCP-ng pool as they would in production: the pool is a fake
 * XAPI speaking JSON-RPC over HTTPS (its own certificate, real sockets) started by this spec. The
 * account goes into the vault, "Test connection" pins the host's certificate and shows what the
 * pool answered, "Discover now" brings its VMs into the inventory, and the pool is disconnected.
 * (It runs last: the pool's three VMs stay in the inventory.)
 */
import { expect, test } from '@playwright/test';
import { fixturePool } from '../server/drivers/xapi/fake/fake-fixtures';
import { type FakeXapi, startFakeXapi } from '../server/drivers/xapi/fake/fake-xapi-server';

let fake: FakeXapi;
test.beforeAll(async () => {
  fake = await startFakeXapi({ pool: fixturePool().pool });
});
test.afterAll(async () => {
  await fake?.stop();
});

test('an admin connects a pool, tests it, discovers its VMs and disconnects it', async ({ page }) => {
  await page.goto('/');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Connections' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Connections' })).toBeVisible();

  // The account first: into the vault, never shown again.
  const accountForm = page.getByRole('form', { name: 'Add an account' });
  await accountForm.getByLabel('Account name').fill('Lab pool root');
  await accountForm.getByLabel('User name').fill('root');
  await accountForm.getByLabel('Password').fill('s3cret');
  await accountForm.getByRole('button', { name: 'Store in the vault' }).click();
  await expect(page.getByText('Account Lab pool root stored in the vault')).toBeVisible();
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

  await pool.getByRole('button', { name: 'Discover now' }).click();
  await expect(page.getByText('Discovered pool-lab: 2 host(s), 3 VM(s) in the inventory')).toBeVisible();
  await expect(pool).toContainText('Last sync');

  // The pool's VMs are in the console like any other, on their XenServer host.
  await page.goto('/vms');
  await page.getByLabel('Search by name').fill('web01');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByRole('link', { name: 'web01', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'web01' })).toBeVisible();
  await expect(page.getByRole('main')).toContainText('xcp1');

  await page.goto('/admin/connections');
  await pool.getByRole('button', { name: 'Disconnect…' }).click();
  await pool.getByRole('button', { name: 'Disconnect Lab pool' }).click();
  await expect(page.getByText('Pool Lab pool disconnected')).toBeVisible();
  await expect(page.getByText('No pool connected yet.')).toBeVisible();
});
