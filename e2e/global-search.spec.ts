/**
 * The header's search, used as an operator would: type part of a name, read what matched (VMs,
 * hosts, volumes, restore points), open one with the keyboard or the mouse.
 */
import { expect, test } from '@playwright/test';

test('an operator finds a VM, a host and a volume from the header search', async ({ page }) => {
  await page.goto('/');
  const search = page.getByRole('combobox', { name: 'Search VMs, hosts, volumes, jobs and restore points' });
  const results = page.getByRole('listbox', { name: 'Search results' });

  // One character is not a search yet: nothing opens.
  await search.fill('s');
  await expect(results).toBeHidden();

  await search.fill('sql-prod');
  await expect(results.getByRole('group', { name: 'VMs' })).toContainText('sql-prod-01');
  await expect(results.getByRole('option', { name: /^sql-prod-01 on hv-prod-01/ })).toBeVisible();
  await search.press('Enter');
  await expect(page.getByRole('heading', { level: 1, name: 'sql-prod-01' })).toBeVisible();

  await search.fill('HV-BRANCH');
  await results.getByRole('option', { name: /^hv-branch-01 \d+ VMs?/ }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'hv-branch-01' })).toBeVisible();

  // Many volumes are called D: — each is named with its host, and the rest are one click away.
  await search.fill('D:');
  const volumes = results.getByRole('group', { name: 'Volumes' });
  await expect(volumes.getByRole('option', { name: /^D: on hv-branch-01/ })).toBeVisible();

  await search.fill('no-such-vm-anywhere');
  await expect(results).toContainText('Nothing named like “no-such-vm-anywhere”.');
});
