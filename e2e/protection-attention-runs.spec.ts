/**
 * The runs needing attention, as an operator meets them in the morning: a backup that failed
 * overnight is listed on the protection page with why, is retried from there, and leaves the list
 * once its retry has succeeded.
 */
import { expect, test } from '@playwright/test';
import { operationStatus, runBackup } from './fixtures/backup-api';
import { failSnapshotsOf } from './fixtures/lab-faults';

test('a failed backup is listed with why, retried from the list, and gone from it once the retry succeeded', async ({
  page,
}) => {
  test.setTimeout(180_000);
  const refused = failSnapshotsOf('vm-build-01');
  const failedId = await runBackup(page, { kind: 'vms', vmIds: ['vm-build-01'] }, 'failed');
  refused.lift(); // the host accepts snapshots again: the retry can succeed

  await page.goto('/protection');
  const runs = page.getByRole('table', { name: 'Runs needing attention' });
  const failed = runs.getByRole('row').filter({ has: page.locator(`a[href="/operations/${failedId}"]`) });
  await expect(failed).toContainText('Backup build-01 (Hyper-V VSS)failed');
  // Why, by the step and the VM's name, on the row itself.
  await expect(failed).toContainText(
    'Hyper-V VSS snapshot of build-01 (online): the snapshot of build-01 failed: injected fault (gave up after 4 attempts)',
  );
  const retry = failed.getByRole('button', { name: /^Retry / });
  await retry.click();
  const started = page.locator('[data-sonner-toast]').filter({ hasText: /^Retry of .* started/ });
  await started.getByRole('link', { name: 'Follow the retry' }).click();
  await expect(operationStatus(page)).toHaveText('succeeded', { timeout: 60_000 });

  await page.goto('/protection');
  await expect(
    runs.or(page.getByText('No run failed, was interrupted or ended with warnings.')),
  ).toBeVisible();
  await expect(page.locator(`a[href="/operations/${failedId}"]`)).toHaveCount(0);
});
