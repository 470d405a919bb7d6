/**
 * A job's run history: every run, filtered by status and by the days they were requested, in the
 * URL and in SQL (operations.list), paged with the shared keyset pager.
 */
import { expect, test } from '@playwright/test';
import { operationStatus, trpcMutation } from './fixtures/backup-api';

/** A day as the date inputs take it, in the browser's (and this machine's) time zone. */
function dayOf(date: Date): string {
  const pad = (value: number) => String(value).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

test("a job's run history filters by status and date range", async ({ page }) => {
  test.setTimeout(120_000);
  const job = await trpcMutation<{ id: string }>(page, 'jobs.create', {
    name: 'history (e2e)',
    request: {
      scope: { kind: 'vms', vmIds: ['vm-web-01'] },
      consistencyPolicy: 'fallback',
      passthroughPolicy: 'skip',
    },
    schedule: null,
    missedRunPolicy: 'skip',
    retention: { keepLast: 3, daily: 0, weekly: 0, monthly: 0 },
    rpoHours: 24,
    isEnabled: true,
  });
  await page.goto(`/jobs/${job.id}`);
  await expect(page.getByText('This job has not run yet.')).toBeVisible();
  await page.getByRole('button', { name: 'Run history (e2e) now' }).click();
  await expect(page).toHaveURL(/\/operations\/op-/);
  await expect(operationStatus(page)).toHaveText('succeeded', { timeout: 60_000 });

  await page.goto(`/jobs/${job.id}`);
  const runs = page.getByRole('table', { name: 'Runs of this job' });
  await expect(runs.getByRole('row')).toHaveCount(2);
  // The console's one date-time format: 24-hour clock with the time zone.
  await expect(runs.getByRole('link').first()).toHaveText(
    /\d{4}, \d{2}:\d{2}:\d{2} (UTC|GMT[+-]?\d*|[A-Z]{3,4})$/,
  );

  const filters = page.getByRole('form', { name: 'Filter runs' });
  await filters.getByLabel('Status').selectOption({ label: 'failed' });
  await expect(page).toHaveURL(/status=failed/);
  await expect(page.getByText('No run matches these filters.')).toBeVisible();
  await filters.getByLabel('Status').selectOption({ label: 'succeeded' });
  await expect(runs.getByRole('row')).toHaveCount(2);

  const today = new Date();
  const tomorrow = new Date(today.getTime() + 24 * 3_600_000);
  const yesterday = new Date(today.getTime() - 24 * 3_600_000);
  await filters.getByLabel('Requested from').fill(dayOf(tomorrow));
  await expect(page).toHaveURL(new RegExp(`from=${dayOf(tomorrow)}`));
  await expect(page.getByText('No run matches these filters.')).toBeVisible();
  await filters.getByLabel('Requested from').fill(dayOf(yesterday));
  // Each change navigates; the next one starts from the address it left.
  await expect(page).toHaveURL(new RegExp(`from=${dayOf(yesterday)}`));
  await filters.getByLabel('Requested to (inclusive)').fill(dayOf(today));
  await expect(page).toHaveURL(new RegExp(`to=${dayOf(today)}`));
  await expect(runs.getByRole('row')).toHaveCount(2);
  await filters.getByLabel('Requested to (inclusive)').fill(dayOf(yesterday));
  await expect(page.getByText('No run matches these filters.')).toBeVisible();
});
