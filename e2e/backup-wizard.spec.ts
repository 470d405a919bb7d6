import { expect, type Page, test } from '@playwright/test';
import { operationStatus, snap } from './fixtures/backup-api';

async function pickVm(page: Page, name: string) {
  await page.goto('/backup/new');
  await expect(page.getByRole('heading', { level: 2, name: 'What to back up' })).toBeFocused();
  await page.getByLabel('Search VMs by name').fill(name);
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await page.getByRole('checkbox', { name: `Select ${name}`, exact: true }).check();
  await expect(page.getByRole('button', { name: `Remove ${name}` })).toBeVisible();
}

test('creates a scheduled backup job through the wizard, acknowledging its warning', async ({
  page,
}, testInfo) => {
  test.setTimeout(120_000);
  await page.goto('/backup/new');
  // Next without a VM: the server's schema message, and the wizard stays on the step.
  await page.getByRole('button', { name: 'Next: method' }).click();
  await expect(page.getByText('Choose at least one VM')).toBeVisible();

  await pickVm(page, 'fs-01');
  await snap(page, testInfo, 'backup-wizard-1-scope');
  await page.getByRole('button', { name: 'Next: method' }).click();

  await expect(page.getByRole('heading', { level: 2, name: 'Method' })).toBeFocused();
  await expect(page).toHaveURL(/step=method/);
  const methodSelect = page.getByLabel('Method for fs-01');
  await expect(methodSelect).toBeEnabled();
  await expect(page.getByRole('table', { name: 'Backup methods compared' })).toBeVisible();
  await snap(page, testInfo, 'backup-wizard-2-method');
  await page.getByRole('button', { name: 'Next: consistency & scripts' }).click();

  await expect(page.getByRole('heading', { level: 2, name: 'Consistency & scripts' })).toBeFocused();
  await page.getByLabel('Pre-freeze script on fs-01').check();
  await page.getByRole('button', { name: 'Next: schedule & retention' }).click();
  // An empty command is refused with the schema's words; fill it in.
  await expect(page.getByText('Enter the command to run inside the guest')).toBeVisible();
  await page.getByLabel('Pre-freeze script command (fs-01)').fill('/opt/app/freeze.sh');
  await snap(page, testInfo, 'backup-wizard-3-policy');
  await page.getByRole('button', { name: 'Next: schedule & retention' }).click();

  await expect(page.getByRole('heading', { level: 2, name: 'Schedule & retention' })).toBeFocused();
  await page.getByLabel('On a schedule').check();
  await page.getByLabel('Job name').fill('fs-01 nightly (e2e)');
  await page.getByLabel('Cron expression').fill('30 1 * * *');
  await page.getByLabel('Time zone').fill('Europe/Warsaw');
  const nextRuns = page.getByRole('region', { name: 'Next runs' });
  await expect(nextRuns.getByRole('listitem')).toHaveCount(5);
  await expect(nextRuns.getByRole('listitem').first()).toContainText('01:30');
  // Weekdays only with a 26 h RPO: the weekend gap exceeds it, and the preview says so.
  await page.getByLabel('Cron expression').fill('0 22 * * 1-5');
  await page.getByLabel('RPO in hours').fill('26');
  await expect(
    nextRuns.getByText(
      'The schedule leaves up to 72 h between runs (Friday 22:00 to Monday 22:00, Europe/Warsaw), longer than the 26 h RPO',
      { exact: false },
    ),
  ).toBeVisible();
  await page.getByLabel('Cron expression').fill('30 1 * * *');
  await expect(nextRuns.getByText(/longer than the 26 h RPO/)).toHaveCount(0);
  await snap(page, testInfo, 'backup-wizard-4-schedule');

  // Back and forward keep the half-filled wizard.
  await page.goBack();
  await expect(page.getByLabel('Pre-freeze script command (fs-01)')).toHaveValue('/opt/app/freeze.sh');
  await page.goForward();
  await expect(page.getByLabel('Job name')).toHaveValue('fs-01 nightly (e2e)');
  await page.getByRole('button', { name: 'Next: review' }).click();

  await expect(page.getByRole('heading', { level: 2, name: 'Review' })).toBeFocused();
  const create = page.getByRole('button', { name: 'Create backup job' });
  await expect(create).toBeDisabled();
  await expect(page.getByText(/Acknowledge 1 more warning to continue/)).toBeVisible();
  const acknowledgement = page.getByRole('checkbox', { name: /Acknowledge .*\(HV-PASSTHROUGH-DISK\)/ });
  await acknowledgement.check();
  await expect(create).toBeEnabled();
  await snap(page, testInfo, 'backup-wizard-5-review');
  await create.click();

  await expect(page).toHaveURL(/\/jobs\/job-/);
  await expect(page.getByText('Backup job "fs-01 nightly (e2e)" created')).toBeVisible();
});

test('a VM whose method captures its neighbours says so in the scope step, before the review', async ({
  page,
}) => {
  // Windows Server Backup only on hv-branch-01: the whole volume D: with its three other VMs.
  await pickVm(page, 'branch-app-01');
  await expect(
    page.getByRole('status').filter({
      hasText:
        '1 selected VM will capture 4 VMs: their methods also capture branch-dc-01, branch-fs-01 and branch-print-01',
    }),
  ).toBeVisible();
});

test('a plan with a blocker cannot be created and the page says why', async ({ page }, testInfo) => {
  await pickVm(page, 'archive-01');
  await page.getByRole('button', { name: 'Next: method' }).click();
  await page.getByRole('button', { name: 'Next: consistency & scripts' }).click();
  await page.getByRole('button', { name: 'Next: schedule & retention' }).click();
  await page.getByLabel('Once, now').check();
  await page.getByRole('button', { name: 'Next: review' }).click();

  await expect(page.getByText(/This backup cannot be created: \d+ blockers?/)).toBeVisible();
  await expect(page.getByRole('heading', { level: 3, name: /Blockers/ })).toBeVisible();
  await expect(page.getByText('HV-HOST-VOLUME-VSS-DISABLED').first()).toBeVisible();
  await expect(page.getByText('Remedy:').first()).toBeVisible();
  await expect(page.getByRole('button', { name: 'Start backup now' })).toBeDisabled();
  await expect(page.getByText('Disabled: a blocker must be fixed first.')).toBeVisible();
  await snap(page, testInfo, 'backup-wizard-blocked-review');
});

test('a one-off backup from the wizard lands on its operation, which reaches succeeded', async ({ page }) => {
  test.setTimeout(120_000);
  await pickVm(page, 'web-01');
  await page.getByRole('button', { name: 'Next: method' }).click();
  await page.getByRole('button', { name: 'Next: consistency & scripts' }).click();
  await page.getByRole('button', { name: 'Next: schedule & retention' }).click();
  await page.getByLabel('Once, now').check();
  await page.getByRole('button', { name: 'Next: review' }).click();
  await expect(page.getByText('Every prerequisite check passes.')).toBeVisible();
  await page.getByRole('button', { name: 'Start backup now' }).click();
  await expect(page).toHaveURL(/\/operations\/op-/);
  await expect(operationStatus(page)).toHaveText('succeeded', { timeout: 60_000 });
});
