/**
 * Roles in the browser: a viewer is shown nothing it may not run and the API refuses it anyway;
 * an operator backs up a VM from its page; an anonymous visitor is sent to the sign-in page.
 */
import { expect, test } from '@playwright/test';
import { operationStatus } from './fixtures/backup-api';
import { DEMO_LAB_NAMES, openVm } from './fixtures/demo-lab';
import { E2E_USERS, storageStateOf } from './fixtures/users';

const vmName = DEMO_LAB_NAMES.healthyVm;

test.describe('as a viewer', () => {
  test.use({ storageState: storageStateOf('viewer') });

  test('sees no run buttons, and the API refuses a backup with 403', async ({ page, baseURL }) => {
    await openVm(page, vmName);
    await expect(page.getByRole('region', { name: 'Signed-in user' })).toContainText('Viewer');
    // Read everything…
    await expect(page.getByRole('heading', { name: 'Restore points' })).toBeVisible();
    // …but no way to start anything.
    await expect(page.getByRole('button', { name: 'Back up now' })).toHaveCount(0);
    await expect(page.getByRole('link', { name: `Restore ${vmName}…` })).toHaveCount(0);
    const nav = page.getByRole('navigation', { name: 'Main' });
    await expect(nav.getByRole('link', { name: 'Operations' })).toBeVisible();
    for (const hidden of ['New backup', 'Restore', 'Import', 'Users', 'Connections']) {
      await expect(nav.getByRole('link', { name: hidden, exact: true })).toHaveCount(0);
    }
    await page.goto('/jobs');
    await expect(page.getByRole('link', { name: 'New backup job' })).toHaveCount(0);

    const refused = await page.request.post('/api/trpc/operations.backupVm', {
      headers: { origin: baseURL ?? '' },
      data: { json: { vmId: 'vm-web-01' } },
    });
    expect(refused.status()).toBe(403);
    expect(await refused.text()).toContain('needs the Operator role');
  });
});

test.describe('as an operator', () => {
  test.use({ storageState: storageStateOf('operator') });

  test('backs up a VM from its page, recorded as theirs', async ({ page }) => {
    test.setTimeout(120_000);
    await openVm(page, vmName);
    await expect(page.getByRole('region', { name: 'Signed-in user' })).toContainText(E2E_USERS.operator.name);
    await page.getByRole('button', { name: 'Back up now' }).click();
    await page
      .getByRole('alertdialog', { name: `Back up ${vmName} now?` })
      .getByRole('button', { name: 'Start backup' })
      .click();
    await expect(page).toHaveURL(/\/operations\/op-/);
    await expect(operationStatus(page)).toHaveText('succeeded', { timeout: 60_000 });
    // Operators do not administer users or import inventories.
    const nav = page.getByRole('navigation', { name: 'Main' });
    await expect(nav.getByRole('link', { name: 'Import', exact: true })).toHaveCount(0);
    await expect(nav.getByRole('link', { name: 'Users', exact: true })).toHaveCount(0);
  });
});

test.describe('signed out', () => {
  test.use({ storageState: { cookies: [], origins: [] } });

  test('a page sends to the sign-in page and back after signing in; a wrong password is named', async ({
    page,
  }) => {
    await page.goto('/jobs');
    await expect(page).toHaveURL(/\/sign-in\?next=%2Fjobs/);
    await page.getByLabel('Email').fill(E2E_USERS.viewer.email);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert', { name: 'Sign-in error' })).toHaveText('Wrong email or password.');
    await page.getByLabel('Password').fill(E2E_USERS.viewer.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page).toHaveURL(/\/jobs$/);
    await expect(page.getByRole('heading', { level: 1, name: 'Backup jobs' })).toBeVisible();
  });

  test('the API answers 401', async ({ request }) => {
    expect((await request.get('/api/trpc/dashboard.get')).status()).toBe(401);
  });
});
