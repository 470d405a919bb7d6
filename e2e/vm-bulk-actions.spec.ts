/**
 * Bulk actions on the VM list, as an operator uses them: tick VMs (across pages of a filter),
 * back them up through the wizard, or add them to a backup job; a filter change clears the ticks
 * and nothing can be ticked while the old filter's rows are still shown.
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

  // A filter change clears the ticks, and while the filtered rows load (held here) the rows shown
  // are the old filter's: neither "select every row" nor a row's box can tick them.
  await table.getByRole('checkbox', { name: `Select ${DEMO_LAB_NAMES.healthyVm}` }).check();
  await expect(selection).toBeVisible();
  let releaseFilteredRows = () => {};
  const filteredRowsHeld = new Promise<void>((resolve) => {
    releaseFilteredRows = resolve;
  });
  await page.route(
    (url) =>
      url.pathname.includes('vms.list') && decodeURIComponent(url.search).includes('HV-PASSTHROUGH-DISK'),
    async (route) => {
      await filteredRowsHeld;
      await route.continue();
    },
  );
  await page.getByLabel('Finding').selectOption('HV-PASSTHROUGH-DISK');
  await expect(selection).toBeHidden();
  const selectPage = table.getByRole('checkbox', { name: 'Select every row on this page' });
  await expect(selectPage).toBeDisabled();
  await expect(table.getByRole('checkbox', { name: `Select ${DEMO_LAB_NAMES.healthyVm}` })).toBeDisabled();
  releaseFilteredRows();

  // Once the filtered rows are in, ticking the whole page and backing up opens the wizard with them.
  await expect(selectPage).toBeEnabled();
  await expect(table.getByRole('link', { name: DEMO_LAB_NAMES.healthyVm, exact: true })).toHaveCount(0);
  await selectPage.check();
  await expect(selection.getByRole('status')).toContainText(DEMO_LAB_NAMES.passthroughVm);
  await selection.getByRole('link', { name: 'Back up now…' }).click();
  await expect(page).toHaveURL(/\/backup\/new/);
  // The link carries ids; the wizard names the VMs (its chips read the name, not the id).
  const selected = page.getByRole('region', { name: 'Selected VMs' });
  await expect(
    selected.getByRole('button', { name: `Remove ${DEMO_LAB_NAMES.passthroughVm}`, exact: true }),
  ).toBeVisible();
  await expect(selected).not.toContainText('vm-');
});
