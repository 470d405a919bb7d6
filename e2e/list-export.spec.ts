/**
 * An operator filters the VM list and exports what they see: the CSV holds exactly the filtered
 * rows, in the console's words.
 */
import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { DEMO_LAB_NAMES } from './fixtures/demo-lab';

test('the filtered VM list exports as CSV with the same rows', async ({ page }) => {
  await page.goto('/vms');
  await page.getByLabel('Finding').selectOption('HV-PASSTHROUGH-DISK');
  await expect(page).toHaveURL(/ruleId=HV-PASSTHROUGH-DISK/);
  const table = page.getByRole('table', { name: /Virtual machines/ });
  await expect(table.getByRole('link', { name: DEMO_LAB_NAMES.passthroughVm, exact: true })).toBeVisible();
  await expect(table.getByRole('link', { name: DEMO_LAB_NAMES.healthyVm, exact: true })).toHaveCount(0);

  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Export CSV of these VMs' }).click(),
  ]);
  expect(download.suggestedFilename()).toMatch(/^migawka-vms-\d{4}-\d{2}-\d{2}\.csv$/);
  const lines = readFileSync(await download.path(), 'utf8')
    .trimEnd()
    .split('\r\n');
  expect(lines[0]).toContain('"VM","Host","OS","Power state","Readiness"');
  const exported = lines.slice(1).map((line) => line.slice(1, line.indexOf('",')));
  expect(exported).toContain(DEMO_LAB_NAMES.passthroughVm);
  // The first column holds the row's checkbox, the second its name: the same VMs, in the same order.
  await expect(table.locator('tbody tr td:nth-child(2) a')).toHaveText(exported);
});
