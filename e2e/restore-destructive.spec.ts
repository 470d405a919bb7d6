/**
 * Destructive restores as an operator runs them (issue 8 §3): the impact says what the VM itself
 * loses, the confirm step recaps what will happen, the typed confirmation names one thing (host and
 * volume, not a bare "D:"), each VM a volume revert stops is acknowledged by name, and the run
 * button is red and says what it does. Afterwards the inventory shows the reverted VMs off.
 *
 * Four-eyes is turned off for the two modes while the spec runs (asked by the admin, approved by
 * the second admin; four-eyes.spec.ts covers the approval) and turned back on after. The volume
 * revert stops the four branch VMs; the spec powers them on again at the host (the lab's files) and records that in the inventory, as a refresh would,
 * so the specs after it find the lab as seeded.
 */
import { type Browser, expect, type Page, test } from '@playwright/test';
import { operationStatus, runBackup, snap, trpcMutation } from './fixtures/backup-api';
import { DEMO_LAB_NAMES } from './fixtures/demo-lab';
import { holdVmCalls } from './fixtures/lab-faults';
import { BRANCH_VMS, powerBranchVmsOnAgain } from './fixtures/lab-power';
import { storageStateOf } from './fixtures/users';

const FOUR_EYES_KINDS = ['restore-in-place', 'restore-volume-revert'] as const;

async function setFourEyes(page: Page, browser: Browser, required: boolean): Promise<void> {
  for (const kind of FOUR_EYES_KINDS) {
    const answer = await trpcMutation<{ approvalRequest?: { id: string } }>(page, 'approvals.setPolicy', {
      kind,
      required,
      reason: required ? undefined : 'restore-destructive.spec runs the restores itself',
    });
    // Turning it off is itself a request a second admin approves (four-eyes.spec.ts clicks through one).
    if (!answer.approvalRequest) continue;
    const approverContext = await browser.newContext({ storageState: storageStateOf('approver') });
    await trpcMutation(await approverContext.newPage(), 'approvals.approve', {
      id: answer.approvalRequest.id,
    });
    await approverContext.close();
  }
}

async function pickNewestPoint(page: Page, vmName: string): Promise<void> {
  await page.goto('/restore/new');
  await page.getByLabel('Search VMs by name').fill(vmName);
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await page.getByRole('radio', { name: new RegExp(`^${vmName} `) }).click();
  await page.getByRole('button', { name: 'Next: restore point' }).click();
  await page.getByRole('radiogroup', { name: 'Restore point timeline' }).getByRole('radio').first().click();
  await page.getByRole('button', { name: 'Next: mode' }).click();
}

test.beforeEach(async ({ page, browser }) => {
  await setFourEyes(page, browser, false);
});
test.afterEach(async ({ page, browser }) => {
  await setFourEyes(page, browser, true);
});

test('an in-place restore says what the VM loses, recaps the run and names the VM on a red button', async ({
  page,
}, testInfo) => {
  test.setTimeout(150_000);
  // test-01 is powered off, as an in-place restore needs; the restore leaves it as it was.
  await runBackup(page, { kind: 'vms', vmIds: ['vm-test-01'] });
  await pickNewestPoint(page, 'test-01');
  await page.getByRole('radio', { name: /Replace the VM in place/ }).click();
  await page.getByRole('button', { name: 'Next: impact' }).click();

  await expect(page.getByRole('region', { name: 'What test-01 itself loses' })).toContainText(
    'test-01 loses every change made since the point: ',
  );
  await page.getByRole('button', { name: 'Next: confirm' }).click();

  await expect(page.getByRole('heading', { level: 2, name: 'Confirm and run' })).toBeFocused();
  const steps = page.getByRole('list', { name: 'Steps of the restore' });
  await expect(steps.getByRole('listitem')).toHaveText([
    'Verify the stored data of the restore point',
    'Check that test-01 is powered off',
    'Restore test-01 in place',
    'Verify the restored data against the manifest',
  ]);
  await expect(page.getByRole('list', { name: 'What the restore destroys' })).toContainText(
    'test-01 loses every change made since the point',
  );
  const run = page.getByRole('button', { name: 'Replace test-01 in place' });
  await expect(run).toBeDisabled();
  await expect(run).toHaveClass(/bg-red-700/);
  await page.getByLabel(/Type the VM name/).fill('test-0');
  await expect(run).toBeDisabled();
  await page.getByLabel(/Type the VM name/).fill('test-01');
  await expect(run).toBeEnabled();
  await snap(page, testInfo, 'restore-destructive-confirm-in-place');
  await run.click();
  await expect(page).toHaveURL(/\/operations\/op-/);
  await expect(operationStatus(page)).toHaveText('succeeded', { timeout: 60_000 });
});

test('a volume revert names host and volume, needs each stopped VM acknowledged, and leaves them off in the inventory', async ({
  page,
}, testInfo) => {
  test.setTimeout(240_000);
  await runBackup(page, { kind: 'host-volume', hostVolumeId: DEMO_LAB_NAMES.wsbVolumeId });

  // Deleting branch-app-01's point of this capture would break the other three VMs' volume revert.
  await page.goto('/restore-points?vmId=vm-branch-app-01');
  await page
    .getByRole('table', { name: 'Restore points' })
    .getByRole('button', { name: /Details of branch-app-01/ })
    .first()
    .click();
  await page.getByRole('dialog').getByRole('button', { name: 'Delete…' }).click();
  const confirmDelete = page.getByRole('alertdialog', { name: 'Delete this restore point?' });
  const broken = confirmDelete.getByRole('list', { name: 'Volume reverts this deletion breaks' });
  for (const name of BRANCH_VMS.slice(1)) await expect(broken).toContainText(name);
  await expect(broken.getByRole('listitem')).toHaveCount(3);
  // Four-eyes stays on for deletions: the request shows the approver the same broken reverts.
  // The point is named by its VM and the second it was taken (a VM has many points).
  const pointText = await confirmDelete
    .getByText(/^branch-app-01 \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/)
    .innerText();
  await confirmDelete.getByLabel(/^Type the point's VM and time/).fill(pointText);
  await confirmDelete.getByRole('button', { name: 'Delete point' }).click();
  const sent = page.locator('[data-sonner-toast]').filter({ hasText: 'Request sent for approval' });
  await sent.getByRole('link', { name: 'View the request' }).click();
  await expect(page.getByLabel('Request status')).toHaveText('Waiting for approval');
  const requested = page.getByRole('list', { name: 'Volume reverts this deletion breaks' });
  for (const name of BRANCH_VMS.slice(1)) await expect(requested).toContainText(name);
  await expect(requested.getByRole('listitem')).toHaveCount(3);
  // The requester withdraws it: the point stays, and the revert below needs it.
  await page.getByLabel('Comment (required to reject)').fill('Kept: the volume revert needs it');
  await page.getByRole('button', { name: 'Reject' }).click();
  await expect(page.getByLabel('Request status')).toHaveText('Rejected');

  try {
    await pickNewestPoint(page, 'branch-app-01');
    await page.getByRole('radio', { name: /Revert the whole volume/ }).click();
    await page.getByRole('button', { name: 'Next: impact' }).click();
    await expect(page.getByRole('region', { name: 'What branch-app-01 itself loses' })).toContainText(
      'branch-app-01 loses every change made since the point',
    );
    const stopsThem = page.getByText(/^The revert stops .+ and leaves them off/);
    for (const name of BRANCH_VMS) await expect(stopsThem).toContainText(name);
    await page.getByRole('button', { name: 'Next: confirm' }).click();

    const run = page.getByRole('button', { name: 'Revert hv-branch-01 D: and stop 4 VMs' });
    await expect(run).toHaveClass(/bg-red-700/);
    const confirmation = page.getByLabel(/Type the host and volume name/);
    // "D:" is a volume on every Hyper-V host of the lab: it confirms nothing.
    await confirmation.fill('D:');
    await expect(run).toBeDisabled();
    await confirmation.fill('hv-branch-01 D:');
    await expect(run).toBeDisabled();
    const stopped = page.getByRole('group', { name: /The revert stops 4 running VMs/ });
    for (const name of BRANCH_VMS.slice(0, 3)) {
      await stopped.getByRole('checkbox', { name: new RegExp(`${name} is stopped`) }).check();
    }
    await expect(run).toBeDisabled();
    await stopped.getByRole('checkbox', { name: /branch-print-01 is stopped/ }).check();
    await expect(run).toBeEnabled();
    await snap(page, testInfo, 'restore-destructive-confirm-volume-revert');
    await run.click();
    await expect(page).toHaveURL(/\/operations\/op-/);
    await expect(operationStatus(page)).toHaveText('succeeded', { timeout: 90_000 });

    // The inventory follows: the four VMs the revert stopped show off.
    await page.goto('/vms?powerState=off&search=branch');
    for (const name of BRANCH_VMS) {
      await expect(page.getByRole('link', { name, exact: true })).toBeVisible();
    }
  } finally {
    await powerBranchVmsOnAgain(page);
  }
  await page.goto('/vms?powerState=off&search=branch');
  await expect(page.getByRole('link', { name: 'branch-dc-01', exact: true })).toHaveCount(0);
});

test('a VM restored as new on the host and volume chosen, powered on, appears in the inventory there', async ({
  page,
}) => {
  test.setTimeout(150_000);
  await runBackup(page, { kind: 'vms', vmIds: ['vm-test-01'] });
  await pickNewestPoint(page, 'test-01');
  await page.getByRole('radio', { name: /Restore as a new VM/ }).click();
  await page.getByLabel('New VM name').fill('test-01-placed');
  // A type-ahead picker: the server matches the typed name among every host of the kind.
  await page.getByLabel('Target host').fill('prod-02');
  await page.getByRole('option', { name: /^hv-prod-02\b/ }).click();
  await expect(page.getByLabel('Target host')).toHaveValue('hv-prod-02');
  // Another host: its volumes are offered, and one must be chosen.
  await page.getByRole('button', { name: 'Next: impact' }).click();
  await expect(page.getByText('Choose a volume on the target host')).toBeVisible();
  await page.getByLabel('Target volume').selectOption({ label: 'hv-prod-02 H:' });
  await page.getByLabel(/Power the new VM on after the restore/).check();
  await page.getByRole('button', { name: 'Next: impact' }).click();
  await expect(page.getByRole('region', { name: 'What test-01 itself loses' })).toContainText(
    'Nothing: test-01 is not overwritten',
  );
  await page.getByRole('button', { name: 'Next: confirm' }).click();
  await expect(page.getByRole('list', { name: 'Steps of the restore' })).toContainText(
    'Restore test-01 as new VM test-01-placed on hv-prod-02 H:, powered on',
  );
  await page.getByRole('button', { name: 'Run restore' }).click();
  await expect(page).toHaveURL(/\/operations\/op-/);
  await expect(operationStatus(page)).toHaveText('succeeded', { timeout: 60_000 });

  await page.goto('/vms?search=test-01-placed');
  await page.getByRole('link', { name: 'test-01-placed', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'test-01-placed' })).toBeVisible();
  await expect(page.getByText(/running on/)).toBeVisible();
  await expect(page.getByRole('link', { name: 'hv-prod-02', exact: true }).first()).toBeVisible();
});

test('a restore that has started overwriting the VM cannot be cancelled: the refusal says why and the restore runs to its end', async ({
  page,
}) => {
  test.setTimeout(150_000);
  await runBackup(page, { kind: 'vms', vmIds: ['vm-test-01'] });
  await pickNewestPoint(page, 'test-01');
  await page.getByRole('radio', { name: /Replace the VM in place/ }).click();
  await page.getByRole('button', { name: 'Next: impact' }).click();
  await page.getByRole('button', { name: 'Next: confirm' }).click();
  await page.getByLabel(/Type the VM name/).fill('test-01');
  // The host stops answering once the disks start being written: the restore is held mid-overwrite.
  const host = holdVmCalls('vm-test-01', 'restoreDisks');
  try {
    await page.getByRole('button', { name: 'Replace test-01 in place' }).click();
    await expect(page).toHaveURL(/\/operations\/op-/);
    const overwrite = page
      .getByRole('table', { name: 'Steps' })
      .getByRole('row', { name: 'Restore test-01 in place', exact: true });
    await expect(overwrite.getByRole('cell').nth(1)).toHaveText('running', { timeout: 60_000 });

    await page.getByRole('button', { name: 'Cancel operation' }).click();
    await page
      .getByRole('alertdialog', { name: 'Cancel this operation?' })
      .getByRole('button', { name: 'Cancel operation' })
      .click();
    await expect(page.locator('[data-sonner-toast]').filter({ hasText: 'Could not cancel' })).toContainText(
      'has started overwriting live data, and stopped now it would leave it half-written',
    );
    await expect(operationStatus(page)).toHaveText('running');
  } finally {
    host.release();
  }
  await expect(operationStatus(page)).toHaveText('succeeded', { timeout: 60_000 });
});
