/**
 * Four-eyes on the most destructive restore (issue 9 §7): a restore operator asks for a whole-volume
 * revert that stops four VMs, acknowledging each; a second admin, in another browser, sees the same
 * blast radius and approves it; it runs, and the audit trail has the request and the approval.
 */
import { expect, test } from '@playwright/test';
import { operationStatus, runBackup } from './fixtures/backup-api';
import { DEMO_LAB_NAMES } from './fixtures/demo-lab';
import { BRANCH_VMS, powerBranchVmsOnAgain } from './fixtures/lab-power';
import { E2E_USERS, storageStateOf } from './fixtures/users';

test.use({ storageState: storageStateOf('restoreOperator') });

test('a volume revert runs only after a second admin approved the VMs it stops', async ({
  page,
  browser,
}) => {
  test.setTimeout(300_000);
  await runBackup(page, { kind: 'host-volume', hostVolumeId: DEMO_LAB_NAMES.wsbVolumeId });

  const approverContext = await browser.newContext({ storageState: storageStateOf('approver') });
  const approver = await approverContext.newPage();
  try {
    await page.goto('/restore/new');
    await page.getByLabel('Search VMs by name').fill('branch-app-01');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.getByRole('radio', { name: /^branch-app-01 / }).click();
    await page.getByRole('button', { name: 'Next: restore point' }).click();
    await page.getByRole('radiogroup', { name: 'Restore point timeline' }).getByRole('radio').first().click();
    await page.getByRole('button', { name: 'Next: mode' }).click();
    await page.getByRole('radio', { name: /Revert the whole volume/ }).click();
    await page.getByRole('button', { name: 'Next: impact' }).click();
    await page.getByRole('button', { name: 'Next: confirm' }).click();
    await page.getByLabel(/Type the host and volume name/).fill('hv-branch-01 D:');
    const stopped = page.getByRole('group', { name: /The revert stops 4 running VMs/ });
    for (const name of BRANCH_VMS) {
      await stopped.getByRole('checkbox', { name: new RegExp(`${name} is stopped`) }).check();
    }
    await page.getByRole('button', { name: /^Send for approval/ }).click();
    const sent = page.getByRole('status').filter({ hasText: 'Request sent for approval' });
    await expect(sent).toContainText('nothing has run yet');

    // The second admin reads the same blast radius: every VM the revert stops, by name.
    await approver.goto('/');
    await approver.getByRole('link', { name: /^Approvals\s*:?\s*[1-9]\d*\s+waiting$/ }).click();
    await approver
      .getByRole('table', { name: 'Requests waiting for approval' })
      .getByRole('link', { name: /branch-app-01/ })
      .click();
    await expect(approver.getByText(`${E2E_USERS.restoreOperator.name} (Restore operator)`)).toBeVisible();
    for (const name of BRANCH_VMS.slice(1)) await expect(approver.getByRole('main')).toContainText(name);
    await approver.getByLabel('Comment (required to reject)').fill('Branch office agreed to the downtime');
    await approver.getByRole('button', { name: 'Approve and run' }).click();
    await expect(approver.getByLabel('Request status')).toHaveText('Approved');
    await approver.getByRole('link', { name: 'View operation' }).click();
    await expect(operationStatus(approver)).toHaveText('succeeded', { timeout: 150_000 });

    await approver.goto('/audit?action=approvals.');
    const rows = approver.getByRole('table', { name: 'Audit entries, newest first' }).getByRole('row');
    await expect(rows.nth(1)).toContainText('approvals.approve');
    await expect(rows.nth(2)).toContainText('approvals.request');
    await expect(rows.nth(2)).toContainText(E2E_USERS.restoreOperator.name);
  } finally {
    await approverContext.close();
    // Powering the branch VMs on again is an admin's merge import.
    const adminContext = await browser.newContext({ storageState: storageStateOf('admin') });
    await powerBranchVmsOnAgain(await adminContext.newPage());
    await adminContext.close();
  }
});
