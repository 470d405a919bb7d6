/**
 * The backup job option "keep the array snapshot on the array", as an operator uses it: a job for
 * erp-01 (on two EqualLogic LUNs in the lab) by array snapshot with the option ticked in the
 * wizard; the job page says so; a run by hand keeps the snapshot, and the point it makes offers a
 * whole-volume revert and a staged restore in the restore wizard (a released one offers neither).
 */
import { expect, test } from '@playwright/test';
import { operationStatus } from './fixtures/backup-api';

const JOB_NAME = 'erp-01 kept on the array (e2e)';

test('an operator keeps the array snapshot of a job: its point offers a volume revert', async ({ page }) => {
  test.setTimeout(180_000);
  await page.goto('/backup/new');
  await expect(page.getByRole('heading', { level: 2, name: 'What to back up' })).toBeFocused();
  await page.getByLabel('Search VMs by name').fill('erp-01');
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await page.getByRole('checkbox', { name: 'Select erp-01', exact: true }).check();
  await page.getByRole('button', { name: 'Next: method' }).click();

  await expect(page.getByRole('heading', { level: 2, name: 'Method' })).toBeFocused();
  const method = page.getByLabel('Method for erp-01');
  await expect(method).toBeEnabled();
  await method.selectOption('array-snapshot');
  await page.getByRole('button', { name: 'Next: consistency & scripts' }).click();

  await expect(page.getByRole('heading', { level: 2, name: 'Consistency & scripts' })).toBeFocused();
  const keep = page.getByRole('checkbox', { name: /Keep the array snapshot on the array/ });
  await expect(keep).not.toBeChecked();
  await keep.check();
  await page.getByRole('button', { name: 'Next: schedule & retention' }).click();

  await expect(page.getByRole('heading', { level: 2, name: 'Schedule & retention' })).toBeFocused();
  await page.getByLabel('No schedule, run by hand').check();
  await page.getByLabel('Job name').fill(JOB_NAME);
  await page.getByRole('button', { name: 'Next: review' }).click();

  await expect(page.getByRole('heading', { level: 2, name: 'Review' })).toBeFocused();
  const create = page.getByRole('button', { name: 'Create backup job' });
  for (const box of await page.getByRole('checkbox', { name: /^Acknowledge / }).all()) await box.check();
  await expect(create).toBeEnabled();
  await create.click();

  await expect(page).toHaveURL(/\/jobs\/job-/);
  await expect(page.getByText(`Backup job "${JOB_NAME}" created`)).toBeVisible();
  await expect(
    page.getByText(/^Yes: array snapshot backups are copied and their snapshot stays/),
  ).toBeVisible();

  await page.getByRole('button', { name: `Run ${JOB_NAME} now` }).click();
  await expect(page).toHaveURL(/\/operations\/op-/);
  await expect(operationStatus(page)).toHaveText(/^succeeded/, { timeout: 120_000 });

  await page.goto('/restore/new');
  await page.getByLabel('Search VMs by name').fill('erp-01');
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await page.getByRole('radio', { name: /^erp-01 / }).click();
  await page.getByRole('button', { name: 'Next: restore point' }).click();
  await page.getByRole('radiogroup', { name: 'Restore point timeline' }).getByRole('radio').first().click();
  await page.getByRole('button', { name: 'Next: mode' }).click();
  const modes = page.getByRole('radiogroup', { name: 'Restore mode' });
  await expect(modes.getByRole('radio', { name: /Revert the whole volume/ })).toBeEnabled();
  await expect(modes.getByRole('radio', { name: /Staged/ })).toBeEnabled();
});
