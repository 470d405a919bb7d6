/**
 * Bulk actions on the VM list, as an operator uses them: tick VMs (across pages of a filter),
 * back them up through the wizard, or add them to a backup job through its review, where the
 * warnings they bring are acknowledged; a filter change clears the ticks and nothing can be ticked
 * while the old filter's rows are still shown.
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
  await selection.getByRole('link', { name: 'Add to job…' }).click();
  // The job opens at its review with the VMs added: what sql-prod-01 brings (saved state) is
  // acknowledged warning by warning before the job is saved, as any edit of it is.
  await expect(page).toHaveURL(/\/jobs\/[^/]+\/edit\?step=review/);
  const reviewed = page.getByRole('table', { name: 'VMs in this backup' });
  await expect(reviewed.getByRole('rowheader', { name: DEMO_LAB_NAMES.sqlVm })).toBeVisible();
  await expect(reviewed.getByRole('rowheader', { name: DEMO_LAB_NAMES.healthyVm })).toBeVisible();
  const save = page.getByRole('button', { name: 'Save changes' });
  const acknowledgements = page.getByRole('checkbox', { name: /^Acknowledge / });
  await expect(acknowledgements.first()).toBeVisible();
  await expect(save).toBeDisabled();
  for (const box of await acknowledgements.all()) await box.check();
  await save.click();
  await expect(page.getByText('Backup job "Bulk target (e2e)" saved')).toBeVisible();
  await expect(page.getByText(DEMO_LAB_NAMES.sqlVm).first()).toBeVisible();

  await page.goto('/vms');

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
