import { expect, type Page, test } from '@playwright/test';
import { operationStatus, runBackup, snap } from './fixtures/backup-api';
import { DEMO_LAB_NAMES } from './fixtures/demo-lab';

async function pickVmAndNewestPoint(page: Page, vmName: string) {
  await page.goto('/restore/new');
  await expect(page.getByRole('heading', { level: 2, name: 'Which VM?' })).toBeFocused();
  await page.getByLabel('Search VMs by name').fill(vmName);
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await page.getByRole('radio', { name: new RegExp(`^${vmName} `) }).click();
  await page.getByRole('button', { name: 'Next: restore point' }).click();
  await expect(page.getByRole('heading', { level: 2, name: 'Which restore point?' })).toBeFocused();
  await page.getByRole('radiogroup', { name: 'Restore point timeline' }).getByRole('radio').first().click();
  await page.getByRole('button', { name: 'Next: mode' }).click();
}

test('restores one VM as a new VM', async ({ page }, testInfo) => {
  test.setTimeout(150_000);
  await runBackup(page, { kind: 'vms', vmIds: ['vm-test-01'] });

  await pickVmAndNewestPoint(page, 'test-01');
  await snap(page, testInfo, 'restore-wizard-3-mode');
  // Modes the point cannot do are disabled, with the reason.
  await expect(page.getByRole('radio', { name: /Revert the whole volume/ })).toBeDisabled();
  await expect(
    page.getByText(/Not available: Only Windows Server Backup and array snapshot points/).first(),
  ).toBeVisible();
  await page.getByRole('radio', { name: /Restore as a new VM/ }).click();
  await page.getByLabel('New VM name').fill('test-01 copy/1');
  await page.getByRole('button', { name: 'Next: impact' }).click();
  await expect(page.getByText(/Use letters, digits, spaces/).first()).toBeVisible();
  await page.getByLabel('New VM name').fill('test-01-restored');
  await page.getByRole('button', { name: 'Next: impact' }).click();

  await expect(page.getByRole('heading', { level: 2, name: /Impact of restore as a new vm/i })).toBeFocused();
  await expect(page.getByText('No other VM is affected.')).toBeVisible();
  await snap(page, testInfo, 'restore-wizard-4-impact-as-new');
  await page.getByRole('button', { name: 'Next: confirm' }).click();
  await expect(page.getByRole('heading', { level: 2, name: 'Confirm and run' })).toBeFocused();
  await snap(page, testInfo, 'restore-wizard-5-confirm-as-new');
  await page.getByRole('button', { name: 'Run restore' }).click();
  await expect(page).toHaveURL(/\/operations\/op-/);
  await expect(operationStatus(page)).toHaveText('succeeded', { timeout: 60_000 });
});

test('a volume revert lists its collateral VMs and will not run until the volume name is typed; the staged alternative leaves them untouched', async ({
  page,
}, testInfo) => {
  test.setTimeout(180_000);
  await runBackup(page, { kind: 'host-volume', hostVolumeId: DEMO_LAB_NAMES.wsbVolumeId });

  await pickVmAndNewestPoint(page, 'branch-app-01');
  await page.getByRole('radio', { name: /Revert the whole volume/ }).click();
  await page.getByRole('button', { name: 'Next: impact' }).click();

  // The safer alternative comes first, then the blast radius.
  const safer = page.getByText('Safer alternative: Staged restore');
  await expect(safer).toBeVisible();
  const collateral = page.getByRole('table', { name: 'VMs rolled back with branch-app-01' });
  for (const vm of ['branch-dc-01', 'branch-fs-01', 'branch-print-01']) {
    await expect(collateral.getByRole('rowheader', { name: vm })).toBeVisible();
  }
  await expect(page.getByText('RESTORE-VOLUME-COLLATERAL')).toBeVisible();
  await snap(page, testInfo, 'restore-wizard-4-impact-volume-revert');
  await page.getByRole('button', { name: 'Next: confirm' }).click();

  // A volume revert destroys data: it is sent to a second admin (four-eyes.spec.ts), not run.
  const run = page.getByRole('button', { name: 'Send for approval: revert hv-branch-01 D:' });
  const confirmation = page.getByLabel(/Type the host and volume name/);
  await expect(run).toBeDisabled();
  await confirmation.fill('D:');
  await expect(run).toBeDisabled();
  await confirmation.fill('hv-branch-01 D:');
  // Each running VM the revert stops is acknowledged by name before it can be sent.
  await expect(run).toBeDisabled();
  for (const checkbox of await page.getByRole('checkbox', { name: /is stopped and stays off/ }).all()) {
    await checkbox.check();
  }
  await expect(run).toBeEnabled();
  await snap(page, testInfo, 'restore-wizard-5-confirm-volume-revert');

  // Choose the staged alternative instead.
  await page.getByRole('button', { name: 'Back' }).click();
  await page.getByRole('button', { name: 'Use staged restore instead' }).click();
  await expect(page).toHaveURL(/mode=staged/);
  await expect(page).toHaveURL(/newVmName=branch-app-01-restored/);
  await expect(page.getByText('No other VM is affected.')).toBeVisible();
  await snap(page, testInfo, 'restore-wizard-4-impact-staged');
  await page.getByRole('button', { name: 'Next: confirm' }).click();
  // Copied out as a new VM: nothing existing is replaced, so no name to type.
  await expect(page.getByText(/as "branch-app-01-restored"/)).toBeVisible();
  await page.getByRole('button', { name: 'Run restore' }).click();
  await expect(page).toHaveURL(/\/operations\/op-/);
  await expect(operationStatus(page)).toHaveText('succeeded', { timeout: 90_000 });
  // Only branch-app-01 was copied out: no step touches the VMs that share the volume.
  const steps = page.getByRole('table', { name: 'Steps' });
  await expect(steps).toContainText('branch-app-01');
  for (const vm of ['branch-dc-01', 'branch-fs-01', 'branch-print-01']) {
    await expect(steps).not.toContainText(vm);
  }
});
