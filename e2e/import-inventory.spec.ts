import { expect, test } from '@playwright/test';
import { fixturePath, readDashboardVmCount } from './fixtures/demo-lab';

test('a broken inventory file shows every field error and leaves the inventory unchanged', async ({
  page,
}) => {
  const vmCountBefore = await readDashboardVmCount(page);

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Import' }).click();
  await page.getByLabel('Inventory file (JSON)').setInputFiles(fixturePath('broken-inventory.json'));
  await page.getByRole('radio', { name: 'Replace the inventory' }).check();
  // A replace is checked and previewed first: a broken file is refused there, naming every field.
  await page.getByRole('button', { name: 'Preview what the replace removes' }).click();

  const rejection = page.getByRole('alert').filter({ hasText: 'Import rejected' });
  await expect(rejection).toContainText('nothing was imported');
  const fieldErrors = rejection.getByRole('list', { name: 'Field errors' }).getByRole('listitem');
  await expect(fieldErrors).toHaveCount(3);
  await expect(fieldErrors.filter({ hasText: 'hosts[0].kind' })).toContainText('expected one of');
  await expect(fieldErrors.filter({ hasText: 'vms[0].hostId' })).toContainText('host-missing');
  await expect(fieldErrors.filter({ hasText: 'vms[0].dailyChangeBytes' })).toContainText(
    'must not be negative',
  );

  expect(await readDashboardVmCount(page)).toBe(vmCountBefore);
});

test('merging a valid file reports what was imported and what is stored', async ({ page }) => {
  const vmCountBefore = await readDashboardVmCount(page);
  await page.goto('/import');
  await page.getByLabel('Inventory file (JSON)').setInputFiles(fixturePath('merge-existing-host.json'));
  await page.getByRole('radio', { name: 'Merge into the inventory' }).check();
  await page.getByRole('button', { name: 'Import' }).click();

  const result = page.getByRole('status').filter({ hasText: 'Inventory merged' });
  await expect(result).toContainText(`${vmCountBefore} VMs`);
  const counts = result.getByRole('table', { name: 'Objects imported and stored' });
  await expect(
    counts
      .getByRole('row', { name: /^Hosts/ })
      .getByRole('cell')
      .first(),
  ).toHaveText('1');
});
