/**
 * Retrying a failed in-place restore as a restore operator does it: the host stopped answering when
 * the restore began overwriting test-01, and the operation failed. Retry does not re-run it at one
 * click with the first attempt's confirmation: it opens the impact as the estate gives it now (the
 * steps, what test-01 loses), the focus on "Don't retry", and the retry stays disabled until test-01
 * is typed. With four-eyes on it goes to the second admin, whose approval runs it; from the runs
 * needing attention, with four-eyes off, it runs at once.
 *
 * Four-eyes on in-place restores is turned off only while the failed restore is started (and for
 * the second test), as the admin asks and the second admin approves, and back on after.
 */
import { type Browser, expect, type Page, test } from '@playwright/test';
import { operationStatus, runBackup, snap, trpcMutation, trpcQuery } from './fixtures/backup-api';
import { failVmCalls } from './fixtures/lab-faults';
import { storageStateOf } from './fixtures/users';

test.use({ storageState: storageStateOf('restoreOperator') });

async function setInPlaceFourEyes(browser: Browser, required: boolean): Promise<void> {
  const admin = await browser.newContext({ storageState: storageStateOf('admin') });
  const approver = await browser.newContext({ storageState: storageStateOf('approver') });
  try {
    const answer = await trpcMutation<{ approvalRequest?: { id: string } }>(
      await admin.newPage(),
      'approvals.setPolicy',
      {
        kind: 'restore-in-place',
        required,
        reason: required ? undefined : 'retry-destructive.spec starts a restore that fails',
      },
    );
    // Turning it off is itself a request a second admin approves (four-eyes.spec.ts clicks through one).
    if (answer.approvalRequest) {
      await trpcMutation(await approver.newPage(), 'approvals.approve', { id: answer.approvalRequest.id });
    }
  } finally {
    await admin.close();
    await approver.close();
  }
}

/**
 * test-01 (powered off, as an in-place restore needs) backed up, then restored in place while its
 * host does not answer the overwrite: the failed restore's operation id. The host answers again after.
 */
async function failedInPlaceRestore(page: Page, browser: Browser): Promise<string> {
  await runBackup(page, { kind: 'vms', vmIds: ['vm-test-01'] });
  const points = await trpcQuery<{ items: { id: string }[] }>(page, 'restorePoints.list', {
    vmId: 'vm-test-01',
    sort: 'newest',
    limit: 1,
  });
  const request = { restorePointId: points.items[0]?.id, mode: 'in-place', confirmation: 'test-01' };
  const preview = await trpcQuery<{ fingerprint: string }>(page, 'restores.preview', request);
  const unreachable = failVmCalls('vm-test-01', 'restoreDisks');
  try {
    await setInPlaceFourEyes(browser, false);
    const started = await trpcMutation<{ operationId: string }>(page, 'restores.start', {
      request,
      fingerprint: preview.fingerprint,
    });
    await page.goto(`/operations/${started.operationId}`);
    await expect(operationStatus(page)).toHaveText('failed', { timeout: 120_000 });
    return started.operationId;
  } finally {
    unreachable.lift();
    await setInPlaceFourEyes(browser, true);
  }
}

/** The retry dialog of the failed restore, checked to show the impact now and to wait for the name. */
async function openRetryDialogOf(page: Page, trigger: ReturnType<Page['getByRole']>) {
  await trigger.click();
  const dialog = page.getByRole('alertdialog', { name: /^Retry “Restore in place from .+ of test-01”\?$/ });
  // The safe default: Enter or a stray click cancels.
  await expect(dialog.getByRole('button', { name: "Don't retry" })).toBeFocused();
  await expect(dialog.getByRole('list', { name: 'Steps of the restore' }).getByRole('listitem')).toHaveText([
    'Verify the stored data of the restore point',
    'Check that test-01 is powered off',
    'Restore test-01 in place',
    'Verify the restored data against the manifest',
  ]);
  await expect(dialog.getByRole('list', { name: 'What the restore destroys' })).toContainText(
    'test-01 loses every change made since the point',
  );
  return dialog;
}

test('a failed in-place restore is retried only with test-01 typed against its impact now, and waits for a second admin', async ({
  page,
  browser,
}, testInfo) => {
  test.setTimeout(300_000);
  const failedId = await failedInPlaceRestore(page, browser);

  await page.goto(`/operations/${failedId}`);
  const dialog = await openRetryDialogOf(page, page.getByRole('button', { name: 'Retry failed…' }));
  await expect(dialog).toContainText(
    'Nothing runs yet: a second admin reviews this impact and approves or rejects the retry (four-eyes).',
  );
  const send = dialog.getByRole('button', { name: 'Send the retry for approval' });
  await expect(send).toBeDisabled();
  const typed = dialog.getByLabel(/^Type the VM name/);
  await typed.fill('test-0');
  await expect(send).toBeDisabled();
  await typed.fill('test-01');
  await expect(send).toBeEnabled();
  await snap(page, testInfo, 'retry-destructive-dialog');
  await send.click();

  const sent = page.locator('[data-sonner-toast]').filter({ hasText: 'Request sent for approval' });
  await sent.getByRole('link', { name: 'View the request' }).click();
  await expect(page.getByLabel('Request status')).toHaveText('Waiting for approval');
  const requestUrl = page.url();

  // The second admin approves it in another browser; only then does the retry run.
  const approverContext = await browser.newContext({ storageState: storageStateOf('approver') });
  try {
    const approver = await approverContext.newPage();
    await approver.goto(requestUrl);
    await approver.getByRole('button', { name: 'Approve and run' }).click();
    await expect(approver.getByLabel('Request status')).toHaveText('Approved');
    await approver.getByRole('link', { name: 'View operation' }).click();
    await expect(operationStatus(approver)).toHaveText('succeeded', { timeout: 120_000 });
    // It is the retry of the failed restore, named by its title.
    await expect(approver.locator(`a[href="/operations/${failedId}"]`)).toContainText(
      /^Restore in place from .+ of test-01, queued/,
    );
  } finally {
    await approverContext.close();
  }
});

test('from the runs needing attention, with four-eyes off, the retry runs once test-01 is typed', async ({
  page,
  browser,
}) => {
  test.setTimeout(300_000);
  const failedId = await failedInPlaceRestore(page, browser);
  await setInPlaceFourEyes(browser, false);
  try {
    await page.goto('/protection');
    const failed = page
      .getByRole('table', { name: 'Runs needing attention' })
      .getByRole('row')
      .filter({ has: page.locator(`a[href="/operations/${failedId}"]`) });
    const dialog = await openRetryDialogOf(page, failed.getByRole('button', { name: /^Retry .+…$/ }));
    await expect(dialog).not.toContainText('second admin');
    const retry = dialog.getByRole('button', { name: 'Retry: replace test-01 in place' });
    await expect(retry).toBeDisabled();
    await dialog.getByLabel(/^Type the VM name/).fill('test-01');
    await expect(retry).toBeEnabled();
    await retry.click();

    const started = page.locator('[data-sonner-toast]').filter({ hasText: /^Retry of .* started/ });
    await started.getByRole('link', { name: 'Follow the retry' }).click();
    await expect(operationStatus(page)).toHaveText('succeeded', { timeout: 120_000 });
  } finally {
    await setInPlaceFourEyes(browser, true);
  }
});
