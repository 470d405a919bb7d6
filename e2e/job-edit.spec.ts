/**
 * Editing a backup job, as an operator does it: open the job, Edit, walk the same wizard steps the
 * job was created with (every field filled in from the job), change its VMs, policy, schedule and
 * retention, acknowledge the new warning and save; the job page and the audit trail show the change.
 */
import { expect, test } from '@playwright/test';
import { nightlyJobOf, trpcMutation } from './fixtures/backup-api';
import { expectToastClearOf } from './fixtures/toasts';

const JOB_NAME = 'web-01 nightly (edit e2e)';

test('an operator edits a job through the wizard: the server reviews the change, the job page and audit show it', async ({
  page,
}) => {
  test.setTimeout(120_000);
  const job = await trpcMutation<{ id: string }>(page, 'jobs.create', nightlyJobOf(JOB_NAME, 'vm-web-01'));

  await page.goto(`/jobs/${job.id}`);
  await expect(page.getByRole('heading', { level: 1, name: JOB_NAME })).toBeVisible();
  await expect(page.getByText('1 VM: web-01')).toBeVisible();
  await page.getByRole('link', { name: `Edit ${JOB_NAME}` }).click();

  // The scope step starts from the job's VMs, by name.
  await expect(page).toHaveURL(new RegExp(`/jobs/${job.id}/edit`));
  await expect(page.getByRole('heading', { level: 1, name: `Edit backup job ${JOB_NAME}` })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Remove web-01' })).toBeVisible();
  await page.getByLabel('Search VMs by name').fill('fs-01');
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await page.getByRole('checkbox', { name: 'Select fs-01', exact: true }).check();
  await expect(page.getByRole('button', { name: 'Remove fs-01' })).toBeVisible();
  await page.getByRole('button', { name: 'Next: method' }).click();

  await expect(page.getByRole('heading', { level: 2, name: 'Method' })).toBeFocused();
  await expect(page.getByLabel('Method for web-01')).toBeEnabled();
  await expect(page.getByLabel('Method for fs-01')).toBeEnabled();
  await page.getByRole('button', { name: 'Next: consistency & scripts' }).click();

  await expect(page.getByRole('heading', { level: 2, name: 'Consistency & scripts' })).toBeFocused();
  await expect(page.getByLabel('Fall back to crash-consistent')).toBeChecked();
  await page.getByLabel('Require the planned consistency').check();
  await page.getByRole('button', { name: 'Next: schedule & retention' }).click();

  // The job's schedule and retention, filled in; no "once, now" choice for a saved job.
  await expect(page.getByRole('heading', { level: 2, name: 'Schedule & retention' })).toBeFocused();
  await expect(page.getByLabel('Once, now')).toHaveCount(0);
  await expect(page.getByLabel('Job name')).toHaveValue(JOB_NAME);
  await expect(page.getByLabel('Cron expression')).toHaveValue('0 2 * * *');
  await expect(page.getByLabel('Keep last')).toHaveValue('7');
  // Bad input is refused with the schema's words, and the wizard stays on the step.
  await page.getByLabel('Keep last').fill('0');
  await page.getByRole('button', { name: 'Next: review' }).click();
  await expect(page.getByText('Keep at least one point')).toBeVisible();
  await page.getByLabel('Keep last').fill('3');
  await page.getByLabel('Monthly').fill('2');
  await page.getByLabel('Cron expression').fill('30 1 * * *');
  await page.getByLabel('Time zone').fill('Europe/Warsaw');
  await expect(page.getByRole('region', { name: 'Next runs' }).getByRole('listitem').first()).toContainText(
    '01:30',
  );
  await page.getByRole('button', { name: 'Next: review' }).click();

  // The server reviews the edited job: fs-01's pass-through disk is a warning to acknowledge.
  await expect(page.getByRole('heading', { level: 2, name: 'Review' })).toBeFocused();
  // What saving changes, in words, before it is saved: the VM added, by name, and the new schedule.
  const changes = page.getByRole('list', { name: 'What saving changes' }).getByRole('listitem');
  await expect(changes.filter({ hasText: 'VMs: 1 → 2; adds fs-01' })).toHaveCount(1);
  await expect(changes.filter({ hasText: /^Schedule: / })).toHaveCount(1);
  await expect(changes.filter({ hasText: /^Backup settings: / })).toHaveCount(1);
  const save = page.getByRole('button', { name: 'Save changes' });
  await expect(save).toBeDisabled();
  await page.getByRole('checkbox', { name: /Acknowledge .*\(HV-PASSTHROUGH-DISK\)/ }).check();
  await expect(save).toBeEnabled();
  await save.click();

  await expect(page).toHaveURL(new RegExp(`/jobs/${job.id}$`));
  await expect(page.getByText(`Backup job "${JOB_NAME}" saved`)).toBeVisible();
  await expect(page.getByText('2 VMs: web-01, fs-01')).toBeVisible();
  await expect(page.getByText('require the planned consistency (fail the VM otherwise)')).toBeVisible();
  await expect(page.locator('code', { hasText: '30 1 * * *' })).toBeVisible();
  await expect(page.getByText('Keep last 3 + 2 monthly')).toBeVisible();

  // The change is in the audit trail, as a change of this job by name.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit trail' }).click();
  const newest = page.getByRole('table', { name: 'Audit entries, newest first' }).getByRole('row').nth(1);
  await expect(newest).toContainText('backups.updateJob');
  await expect(newest).toContainText('Succeeded');
  await expect(newest).toContainText(`job ${JOB_NAME}`);
});

test('an operator takes a job off its schedule in the edit wizard: it then runs only by hand, and the toast covers none of the page buttons', async ({
  page,
}) => {
  test.setTimeout(120_000);
  const name = 'web-01 by hand (edit e2e)';
  const job = await trpcMutation<{ id: string }>(page, 'jobs.create', nightlyJobOf(name, 'vm-web-01'));

  await page.goto(`/jobs/${job.id}/edit?step=schedule`);
  await expect(page.getByRole('heading', { level: 2, name: 'Schedule & retention' })).toBeFocused();
  await expect(page.getByLabel('On a schedule')).toBeChecked();
  await page.getByLabel('No schedule, run by hand').check();
  // No cron to fill in for a job run by hand; its name, retention and RPO stay.
  await expect(page.getByLabel('Cron expression')).toHaveCount(0);
  await expect(page.getByLabel('Job name')).toHaveValue(name);
  await page.getByRole('button', { name: 'Next: review' }).click();

  await expect(page.getByRole('heading', { level: 2, name: 'Review' })).toBeFocused();
  await expect(
    page.getByText(`Job "${name}" with no schedule: it runs only when started by hand`),
  ).toBeVisible();
  const acknowledgements = page.getByRole('checkbox', { name: /^Acknowledge / });
  for (const box of await acknowledgements.all()) await box.check();
  await page.getByRole('button', { name: 'Save changes' }).click();

  await expect(page).toHaveURL(new RegExp(`/jobs/${job.id}$`));
  await expect(page.getByText('none: runs only when started by hand')).toBeVisible();

  // A toast on the job page sits clear of its buttons (Edit, Run now, Delete at the top right).
  const enabled = page.getByRole('switch', { name: `Enabled: ${name}` });
  await enabled.click();
  const ask = page.getByRole('alertdialog', { name: `Disable ${name}?` });
  await expect(ask).toContainText('It has no schedule');
  // "Keep it enabled" (the safe default) changes nothing; then it is disabled for real.
  await ask.getByRole('button', { name: 'Keep it enabled' }).click();
  await expect(enabled).toHaveAttribute('aria-checked', 'true');
  await enabled.click();
  await ask.getByRole('button', { name: 'Disable job' }).click();
  await expect(enabled).toHaveAttribute('aria-checked', 'false');
  const toast = page.locator('[data-sonner-toast]').filter({ hasText: `${name} disabled` });
  await expect(toast).toBeVisible();
  await expectToastClearOf(toast, [
    page.getByRole('link', { name: `Edit ${name}` }),
    page.getByRole('button', { name: `Run ${name} now` }),
    page.getByRole('button', { name: `Delete ${name}` }),
  ]);
});
