import { expect, test } from '@playwright/test';
import { runBackup } from './fixtures/backup-api';

test("the protection page's charts have labelled axes, round ticks and each day's total", async ({
  page,
}) => {
  // At least one run and one point today, whatever ran before this spec.
  await runBackup(page, { kind: 'vms', vmIds: ['vm-web-01'] });
  await page.goto('/protection');

  for (const { title, unit } of [
    { title: 'Backup runs per day by result (last 14 days, UTC)', unit: 'Backup runs' },
    { title: 'Restore points per day by consistency (last 14 days, UTC)', unit: 'Restore points' },
  ]) {
    const figure = page.getByRole('figure', { name: title });
    const svgTexts = figure.locator('svg text');
    await expect(svgTexts.filter({ hasText: new RegExp(`^${unit}$`) })).toBeVisible();
    await expect(svgTexts.filter({ hasText: /^Day \(UTC\)$/ })).toBeVisible();
    await expect(svgTexts.filter({ hasText: /^0$/ }).first()).toBeVisible();

    // Today's total, added up from the hidden table the screen readers get, is printed above its bar.
    const today = new Date().toISOString().slice(0, 10);
    const row = figure.getByRole('table', { name: title }).getByRole('row').filter({ hasText: today });
    const counts = (await row.getByRole('cell').allTextContents()).map(Number);
    const total = counts.reduce((sum, count) => sum + count, 0);
    expect(total).toBeGreaterThan(0);
    await expect(svgTexts.filter({ hasText: new RegExp(`^${total}$`) }).first()).toBeVisible();

    // The y axis counts from 0 in equal round steps (1, 2 or 5 × 10ⁿ) up to the tallest bar or past it.
    const ticks = (await figure.locator('svg text[text-anchor="end"]').allTextContents()).map(Number);
    const step = ticks[1] - ticks[0];
    expect(ticks[0]).toBe(0);
    expect(ticks.every((tick, index) => tick === index * step)).toBe(true);
    expect([1, 2, 5]).toContain(step / 10 ** Math.floor(Math.log10(step)));
    expect(ticks.at(-1)).toBeGreaterThanOrEqual(total);
  }
});

test('a saved-state backup is counted as saved state in the points chart, not as application-consistent', async ({
  page,
}) => {
  // sql-prod-01 is backed up in saved state (its shadow storage is elsewhere): Hyper-V records
  // the point as application-consistent, but no in-guest VSS ran.
  await runBackup(page, { kind: 'vms', vmIds: ['vm-sql-prod-01'] });
  await page.goto('/protection');
  const title = 'Restore points per day by consistency (last 14 days, UTC)';
  const table = page.getByRole('figure', { name: title }).getByRole('table', { name: title });
  await expect(table.getByRole('columnheader', { name: 'Saved state (no in-guest VSS)' })).toBeAttached();
  const headers = await table.getByRole('columnheader').allTextContents();
  const savedState = headers.findIndex((header) => header.includes('Saved state (no in-guest VSS)'));
  expect(savedState, headers.join(' | ')).toBeGreaterThan(0);
  const today = new Date().toISOString().slice(0, 10);
  const row = table.getByRole('row').filter({ hasText: today });
  await expect(row).toBeAttached();
  // The row's first cell is its day (a row header): the counts follow in the headers' order.
  const cells = await row.locator('th, td').allTextContents();
  expect(Number(cells[savedState])).toBeGreaterThanOrEqual(1);
});
