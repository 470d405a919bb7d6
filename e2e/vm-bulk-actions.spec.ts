/**
 * Bulk actions on the VM list, as an operator uses them: tick VMs (across pages of a filter),
 * back them up through the wizard, or add them to a backup job.
 */
import { expect, test } from '@playwright/test';
import { trpcMutation } from './fixtures/backup-api';
import { DEMO_LAB_NAMES } from './fixtures/demo-lab';

test('ticked VMs go to the backup wizard together, or join a backup job', async ({ page }) => {
  // A job the VMs can join (created the way the jobs page would, over tRPC).
  await trpcMutation(page, 'jobs.create', {
    name: 'Bulk target (e2e)',
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

  await page.goto('/vms');
  const table = page.getByRole('table', { name: /Virtual machines/ });
  await table.getByRole('checkbox', { name: `Select ${DEMO_LAB_NAMES.sqlVm}` }).check();
  await table.getByRole('checkbox', { name: `Select ${DEMO_LAB_NAMES.healthyVm}` }).check();
  const selection = page.getByRole('region', { name: 'Selected VMs' });
  await expect(selection.getByRole('status')).toHaveText(
    `2 VMs selected: ${DEMO_LAB_NAMES.sqlVm}, ${DEMO_LAB_NAMES.healthyVm}`,
  );

  await selection.getByLabel('Backup job').selectOption({ label: 'Bulk target (e2e)' });
  await selection.getByRole('button', { name: 'Add to job' }).click();
  // web-01 was in the job already: only sql-prod-01 is added, and the toast says so by name.
  await expect(page.getByText(`Added ${DEMO_LAB_NAMES.sqlVm} to Bulk target (e2e)`)).toBeVisible();
  await expect(selection).toBeHidden();

  // Ticking the whole page, then backing up: the wizard opens with the ticked VMs in scope.
  await page.getByLabel('Finding').selectOption('HV-PASSTHROUGH-DISK');
  // The filtered page has arrived (a VM without a pass-through disk is gone from it) before ticking it.
  await expect(table.getByRole('link', { name: DEMO_LAB_NAMES.healthyVm, exact: true })).toHaveCount(0);
  await table.getByRole('checkbox', { name: 'Select every row on this page' }).check();
  await expect(selection.getByRole('status')).toContainText(DEMO_LAB_NAMES.passthroughVm);
  await selection.getByRole('link', { name: 'Back up now…' }).click();
  await expect(page).toHaveURL(/\/backup\/new/);
  await expect(page.getByRole('main')).toContainText(DEMO_LAB_NAMES.passthroughVm);
});
