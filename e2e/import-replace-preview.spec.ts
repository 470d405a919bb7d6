/**
 * Safe by default (issue 8 §3): the import page preselects merge; a replace first shows what it
 * would remove, by name, and its button stays disabled until the operator types the words the
 * preview names. The replace then goes to a second admin (four-eyes), who approves it; the jobs
 * page then says which job lost a VM and that its next run will be refused. Afterwards the demo
 * lab is merged back so the specs after this one find the estate they expect.
 */
import { writeFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { demoLabInventory } from '../db/seed/demo-lab';
import { nightlyJobOf, trpcMutation } from './fixtures/backup-api';
import { readDashboardVmCount } from './fixtures/demo-lab';
import { storageStateOf } from './fixtures/users';

/** ops-01: a VM no other spec uses. */
const REMOVED_VM = { id: 'vm-ops-01', name: 'ops-01' };

function labWithoutRemovedVm() {
  const lab = demoLabInventory();
  return {
    formatVersion: 1,
    ...lab,
    vms: lab.vms.filter((vm) => vm.id !== REMOVED_VM.id),
    virtualDisks: lab.virtualDisks.filter((disk) => disk.vmId !== REMOVED_VM.id),
    guestVolumes: lab.guestVolumes.filter((volume) => volume.vmId !== REMOVED_VM.id),
  };
}

test('merge is the preselected import mode', async ({ page }) => {
  await page.goto('/import');
  await expect(page.getByRole('radio', { name: 'Merge into the inventory' })).toBeChecked();
  await expect(page.getByRole('radio', { name: 'Replace the inventory' })).not.toBeChecked();
});

test('a replace shows what it removes and runs only with the typed confirmation (and a second admin)', async ({
  page,
  browser,
}, testInfo) => {
  test.setTimeout(150_000);
  const vmCountBefore = await readDashboardVmCount(page);
  // Written with a UTF-8 byte-order mark, as Windows PowerShell 5.1 writes files: read as if it were not there.
  const file = testInfo.outputPath('lab-without-ops-01.json');
  writeFileSync(file, `\uFEFF${JSON.stringify(labWithoutRemovedVm(), null, 2)}`, 'utf8');
  // A job backing up the VM the replace removes; it runs on 29 February only, never during the specs.
  const jobName = `ops-01 leap-day backup (try ${testInfo.retry + 1})`;
  const job = await trpcMutation<{ id: string }>(
    page,
    'jobs.create',
    nightlyJobOf(jobName, REMOVED_VM.id, { schedule: { cron: '0 2 29 2 *', timeZone: 'UTC' } }),
  );

  try {
    await page.goto('/import');
    await page.getByLabel('Inventory file (JSON)').setInputFiles(file);
    await page.getByRole('radio', { name: 'Replace the inventory' }).check();
    await page.getByRole('button', { name: 'Preview what the replace removes' }).click();

    const preview = page.getByRole('region', { name: /^Replacing the inventory will remove/ });
    await expect(preview).toBeVisible();
    await expect(preview.getByRole('list', { name: 'VMs removed' })).toContainText(REMOVED_VM.name);
    const phrase = (
      (await preview
        .getByText(/^Type .* to confirm$/)
        .locator('strong')
        .textContent()) ?? ''
    ).trim();
    expect(phrase).toMatch(/^remove \d+ VMs?/);

    const replace = page.getByRole('button', { name: 'Replace the inventory' });
    await expect(replace).toBeDisabled();
    const confirmation = page.getByLabel(/^Type .* to confirm$/);
    await confirmation.fill('yes, replace it');
    await expect(replace).toBeDisabled();
    await confirmation.fill(phrase);
    await expect(replace).toBeEnabled();
    await replace.click();

    // Four-eyes: nothing is removed until a second admin approves.
    const sent = page.getByRole('status').filter({ hasText: 'nothing has run yet' });
    await expect(sent).toBeVisible();
    expect(await readDashboardVmCount(page)).toBe(vmCountBefore);

    const approverContext = await browser.newContext({ storageState: storageStateOf('approver') });
    const approver = await approverContext.newPage();
    await approver.goto('/');
    await approver.getByRole('link', { name: /^Approvals\s*:?\s*[1-9]\d*\s+waiting$/ }).click();
    await approver
      .getByRole('table', { name: 'Requests waiting for approval' })
      .getByRole('link', { name: /^Replace the inventory/ })
      .first()
      .click();
    await expect(approver.getByRole('list', { name: 'VMs removed' })).toContainText(REMOVED_VM.name);
    await approver.getByRole('button', { name: 'Approve and run' }).click();
    await expect(approver.getByLabel('Request status')).toHaveText('Approved');
    await approverContext.close();

    expect(await readDashboardVmCount(page)).toBeLessThan(vmCountBefore);

    // The job that named ops-01 names it as it was (never backed up), and says its next run will be refused.
    await page.goto('/jobs');
    const jobRow = page.getByRole('row').filter({ has: page.getByRole('link', { name: jobName }) });
    await expect(jobRow.getByRole('note')).toHaveText(
      "1 VM of this job's scope is no longer in the inventory: ops-01. Its runs are blocked until the job's scope is edited to drop it.",
    );
    await expect(jobRow.getByRole('cell').nth(2)).toContainText('will be refused: VMs missing');
  } finally {
    // Put the demo lab back (a merge removes nothing), whatever happened above.
    await trpcMutation(page, 'inventory.import', { content: JSON.stringify(demoLabInventory()) });
    await trpcMutation(page, 'jobs.setEnabled', { id: job.id, isEnabled: false });
  }
  // Every VM of the demo lab is back. VMs earlier specs restored as new are not in the lab file, so
  // the replace removed them for good (its preview listed them): the count may be below the start.
  expect(await readDashboardVmCount(page)).toBeGreaterThanOrEqual(demoLabInventory().vms.length);
});
