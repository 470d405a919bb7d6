import { expect, test } from '@playwright/test';
import { runBackup, snap, trpcMutation } from './fixtures/backup-api';
import { DEMO_LAB_NAMES } from './fixtures/demo-lab';

const vmName = DEMO_LAB_NAMES.passthroughVm;

test('a point without the pass-through disk is partial on every page, and an in-place restore says what it will not bring back', async ({
  page,
}, testInfo) => {
  test.setTimeout(150_000);
  // A job with a 24 h RPO names fs-01, so its fresh point would count as protected if it were whole.
  await trpcMutation(page, 'jobs.create', {
    name: `fs-01 host-level (partial points spec, attempt ${testInfo.retry + 1})`,
    request: {
      scope: { kind: 'vms', vmIds: ['vm-fs-01'] },
      consistencyPolicy: 'fallback',
      passthroughPolicy: 'skip',
    },
    schedule: null,
    missedRunPolicy: 'skip',
    retention: { keepLast: 7, daily: 0, weekly: 0, monthly: 0 },
    rpoHours: 24,
    isEnabled: true,
  });
  // Host-level backup cannot capture the pass-through disk: the point holds the OS disk only.
  await runBackup(page, { kind: 'vms', vmIds: ['vm-fs-01'] }, 'succeeded with warnings');
  const holds = `holds 1 of 2 disks of ${vmName}`;
  // The badge reads "partial", and tells screen readers (and the pointer, on hover) what it lacks.
  const partialBadge = `partial: ${holds}`;

  // Restore point browser: the row says partial, the drawer says what is missing.
  await page.goto('/restore-points');
  // Typed before React hydrates, the text is dropped and the box reads "Any VM": type again until
  // the picker answers.
  const vmOption = page.getByRole('option', { name: new RegExp(`^${vmName}\\b`) });
  await expect(async () => {
    await page.getByLabel('VM', { exact: true }).fill(vmName);
    await expect(vmOption).toBeVisible({ timeout: 2_000 });
  }).toPass();
  await vmOption.click();
  await expect(page).toHaveURL(/vmId=vm-fs-01/);
  const table = page.getByRole('table', { name: 'Restore points' });
  const row = table.getByRole('row').filter({ hasText: vmName }).first();
  await expect(row.getByText(partialBadge)).toBeVisible();
  await row.getByRole('button', { name: new RegExp(`Details of ${vmName}`) }).click();
  const drawer = page.getByRole('dialog');
  await expect(
    drawer.getByText(`This point ${holds}; not held: ${vmName} data (physical disk)`, { exact: false }),
  ).toBeVisible();
  await snap(page, testInfo, 'partial-point-details');
  await page.keyboard.press('Escape');

  // The VM's page: its status and last good point, then its timeline.
  await page.goto('/vms/vm-fs-01');
  await expect(page.getByText('Partly protected: newest point lacks disks').first()).toBeVisible();
  await expect(page.getByText(/^Last good point/)).toBeVisible();
  const timeline = page.getByRole('table', { name: `Restore points of ${vmName}` });
  await expect(timeline.getByText(partialBadge).first()).toBeVisible();

  // Protection: within its RPO, yet not "Protected within RPO".
  await page.goto('/protection');
  await page
    .getByLabel('Status', { exact: true })
    .selectOption({ label: 'Partly protected: newest point lacks disks' });
  const protection = page.getByRole('table', { name: 'Protection per VM' });
  const vmRow = protection.getByRole('row').filter({ hasText: vmName });
  await expect(vmRow.getByText('Partly protected: newest point lacks disks')).toBeVisible();
  await expect(vmRow.getByText(partialBadge)).toBeVisible();
  await page.getByLabel('Status', { exact: true }).selectOption({ label: 'Protected within RPO' });
  await expect(protection.getByRole('row').filter({ hasText: vmName })).toHaveCount(0);

  // Restore wizard: the timeline marks the point, the in-place impact says what stays as it is.
  await page.goto('/restore/new');
  await page.getByLabel('Search VMs by name').fill(vmName);
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await page.getByRole('radio', { name: new RegExp(`^${vmName} `) }).click();
  await page.getByRole('button', { name: 'Next: restore point' }).click();
  const newest = page.getByRole('radiogroup', { name: 'Restore point timeline' }).getByRole('radio').first();
  await expect(newest).toHaveAccessibleName(/, partial\)$/);
  await newest.click();
  await page.getByRole('button', { name: 'Next: mode' }).click();
  await page.getByRole('radio', { name: /Replace the VM in place/ }).click();
  await page.getByRole('button', { name: 'Next: impact' }).click();
  await expect(
    page.getByText(
      `The point is partial: it holds 1 of 2 disks of ${vmName} and not ${vmName} data (physical disk): restoring in place does not bring that disk back: it keeps its current contents, newer than the restored disks`,
    ),
  ).toBeVisible();
  await snap(page, testInfo, 'partial-point-in-place-impact');
});
