import { expect, test } from '@playwright/test';
import { operationStatus, runBackup, snap } from './fixtures/backup-api';

test('browse and filter restore points, inspect, verify and delete the only point of a VM', async ({
  page,
}, testInfo) => {
  test.setTimeout(150_000);
  await runBackup(page, { kind: 'vms', vmIds: ['vm-erp-01', 'vm-web-lnx-03'] });

  await page.goto('/restore-points');
  const table = page.getByRole('table', { name: 'Restore points' });
  await expect(table.getByRole('row').filter({ hasText: 'erp-01' }).first()).toBeVisible();

  // Filters live in the URL and are applied by the server.
  await page.getByLabel('Consistency').selectOption('crash');
  await expect(page).toHaveURL(/consistency=crash/);
  await expect(table.getByRole('row').filter({ hasText: 'web-lnx-03' }).first()).toBeVisible();
  await expect(table.getByRole('row').filter({ hasText: 'erp-01' })).toHaveCount(0);
  await page.getByLabel('Method').selectOption('hyperv-vss');
  await expect(page.getByText('No restore point matches these filters.')).toBeVisible();
  await page.goBack();
  await expect(table.getByRole('row').filter({ hasText: 'web-lnx-03' }).first()).toBeVisible();
  await page.getByLabel('Sort').selectOption('oldest');
  await expect(page).toHaveURL(/sort=oldest/);
  await snap(page, testInfo, 'restore-points-filtered');

  await table
    .getByRole('button', { name: /Details of web-lnx-03/ })
    .first()
    .click();
  const drawer = page.getByRole('dialog');
  await expect(drawer.getByRole('heading', { name: 'Disks' })).toBeVisible();
  await expect(drawer.getByText('Crash-consistent').first()).toBeVisible();
  // Verify runs as an operation in the worker: a toast names the point, then says its verdict.
  await drawer.getByRole('button', { name: 'Verify' }).click();
  await expect(page.getByText(/^Verification of the .+ point of web-lnx-03: intact$/)).toBeVisible({
    timeout: 30_000,
  });
  await expect(drawer.getByRole('heading', { name: 'Verify history' })).toBeVisible();
  await expect(drawer.getByText('intact').first()).toBeVisible();
  await snap(page, testInfo, 'restore-points-details');

  await drawer.getByRole('button', { name: 'Delete…' }).click();
  const confirm = page.getByRole('alertdialog', { name: 'Delete this restore point?' });
  await expect(confirm.getByText(/only restore point of web-lnx-03/)).toBeVisible();
  await confirm.getByRole('button', { name: 'Delete point' }).click();
  const deleted = page
    .locator('[data-sonner-toast]')
    .filter({ hasText: 'Point deleted; web-lnx-03 has no restore point left' });
  await expect(deleted).toBeVisible({ timeout: 30_000 });
  await expect(table.getByRole('row').filter({ hasText: 'web-lnx-03' })).toHaveCount(0);

  // The toast leads to the deletion's operation: what ran, for which point, and who asked.
  await deleted.getByRole('button', { name: 'View operation' }).click();
  await expect(page.getByRole('heading', { name: /^Delete the .+ UTC point of web-lnx-03$/ })).toBeVisible();
  await expect(operationStatus(page)).toHaveText('succeeded');
  await expect(page.getByText('point deletion')).toBeVisible();
});
