/**
 * Four-eyes approval with two people signed in, each in their own browser: a restore operator asks
 * for an in-place restore, the second admin reviews the same impact and approves it, and it runs; an
 * admin asks to delete a backup job, cannot approve it themselves, and the second admin rejects it
 * with a comment, so the job stays; an admin lowers a job's retention so that its next run would
 * delete a point, nothing is saved until the second admin, shown that point, approves it; an admin
 * asks to turn four-eyes off for an action, which changes only once the second admin approves; an
 * admin creates an admin account, which exists only once the second admin approves.
 */
import { expect, type Page, test } from '@playwright/test';
import { nightlyJobOf, operationStatus, runBackup, trpcMutation } from './fixtures/backup-api';
import { E2E_USERS, storageStateOf } from './fixtures/users';

async function openPendingRequest(page: Page, title: RegExp): Promise<void> {
  await page.goto('/');
  await page.getByRole('link', { name: /^Approvals\s*:?\s*[1-9]\d*\s+waiting$/ }).click();
  await page
    .getByRole('table', { name: 'Requests waiting for approval' })
    .getByRole('link', { name: title })
    .click();
}

test.describe('a restore operator asks, a second admin approves', () => {
  test.use({ storageState: storageStateOf('restoreOperator') });

  test('an in-place restore runs only after the second admin approved the reviewed impact', async ({
    page,
    browser,
  }) => {
    test.setTimeout(240_000);
    // test-01 is powered off, as an in-place restore needs; the restore leaves the lab as it was.
    await runBackup(page, { kind: 'vms', vmIds: ['vm-test-01'] });

    await page.goto('/restore/new');
    await page.getByLabel('Search VMs by name').fill('test-01');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.getByRole('radio', { name: /^test-01 / }).click();
    await page.getByRole('button', { name: 'Next: restore point' }).click();
    await page.getByRole('radiogroup', { name: 'Restore point timeline' }).getByRole('radio').first().click();
    await page.getByRole('button', { name: 'Next: mode' }).click();
    await page.getByRole('radio', { name: /Replace the VM in place/ }).click();
    await page.getByRole('button', { name: 'Next: impact' }).click();
    await expect(page.getByText('No other VM is affected.')).toBeVisible();
    await page.getByRole('button', { name: 'Next: confirm' }).click();
    await page.getByLabel(/Type the VM name/).fill('test-01');
    await page.getByRole('button', { name: 'Send for approval' }).click();

    const sent = page.getByRole('status').filter({ hasText: 'Request sent for approval' });
    await expect(sent).toContainText('nothing has run yet');
    await sent.getByRole('link', { name: 'View the request' }).click();
    const title = /^In-place restore of test-01 from the .+ UTC point of test-01 \(test-01\)$/;
    await expect(page.getByRole('heading', { level: 1, name: title })).toBeVisible();
    await expect(page.getByLabel('Request status')).toHaveText('Waiting for approval');
    await expect(page.getByText('Only an admin decides an approval request.')).toBeVisible();
    const requestUrl = page.url();

    // The second admin reviews the same impact and who asked, in another browser.
    const approverContext = await browser.newContext({ storageState: storageStateOf('approver') });
    const approver = await approverContext.newPage();
    await openPendingRequest(approver, title);
    await expect(approver.getByText(`${E2E_USERS.restoreOperator.name} (Restore operator)`)).toBeVisible();
    await expect(approver.getByText(/Replace the VM in place of test-01 from its point of/)).toBeVisible();
    await expect(approver.getByText('No other VM is affected.')).toBeVisible();
    await approver.getByLabel('Comment (required to reject)').fill('Checked with the owner of test-01');
    await approver.getByRole('button', { name: 'Approve and run' }).click();
    await expect(approver.getByLabel('Request status')).toHaveText('Approved');
    await approver.getByRole('link', { name: 'View operation' }).click();
    await expect(operationStatus(approver)).toHaveText('succeeded', { timeout: 120_000 });

    // The audit trail tells the story in order: the request, then its approval.
    await approver.goto('/audit?action=approvals.');
    const rows = approver.getByRole('table', { name: 'Audit entries, newest first' }).getByRole('row');
    await expect(rows.nth(1)).toContainText('approvals.approve');
    await expect(rows.nth(1)).toContainText(E2E_USERS.approver.name);
    await expect(rows.nth(2)).toContainText('approvals.request');
    await expect(rows.nth(2)).toContainText(E2E_USERS.restoreOperator.name);
    await approverContext.close();

    // The requester sees who approved it and why.
    await page.goto(requestUrl);
    await expect(page.getByLabel('Request status')).toHaveText('Approved');
    await expect(page.getByText(`${E2E_USERS.approver.name} on`)).toBeVisible();
    await expect(page.getByText('Checked with the owner of test-01')).toBeVisible();
  });
});

test('an admin cannot approve their own request; the second admin rejects it with a comment and nothing runs', async ({
  page,
  browser,
  baseURL,
}) => {
  test.setTimeout(150_000);
  const created = await page.request.post('/api/trpc/jobs.create', {
    headers: { origin: baseURL ?? '' },
    data: { json: nightlyJobOf('four-eyes nightly', 'vm-web-01', { isEnabled: false }) },
  });
  // A retried test finds the job made by its first attempt.
  expect([200, 409], await created.text()).toContain(created.status());

  await page.goto('/jobs');
  await page.getByRole('button', { name: 'Delete four-eyes nightly' }).click();
  const confirmDelete = page.getByRole('alertdialog', { name: 'Delete four-eyes nightly?' });
  // The job's name typed confirms it; until then the delete stays disabled.
  await expect(confirmDelete.getByRole('button', { name: 'Delete job' })).toBeDisabled();
  await confirmDelete.getByLabel(/^Type the job's name/).fill('four-eyes nightly');
  await confirmDelete.getByRole('button', { name: 'Delete job' }).click();
  const sent = page.locator('[data-sonner-toast]').filter({ hasText: 'Request sent for approval' });
  await sent.getByRole('link', { name: 'View the request' }).click();
  await expect(
    page.getByRole('heading', { level: 1, name: 'Delete the backup job four-eyes nightly' }),
  ).toBeVisible();
  await expect(
    page.getByText('You asked for this action: another admin must approve it (four-eyes).'),
  ).toBeVisible();
  await expect(page.getByRole('button', { name: 'Approve and run' })).toHaveCount(0);
  // …and the API refuses it anyway.
  const id = decodeURIComponent(new URL(page.url()).pathname.split('/').at(-1) ?? '');
  const own = await page.request.post('/api/trpc/approvals.approve', {
    headers: { origin: baseURL ?? '' },
    data: { json: { id } },
  });
  expect(own.status()).toBe(403);

  const approverContext = await browser.newContext({ storageState: storageStateOf('approver') });
  const approver = await approverContext.newPage();
  await openPendingRequest(approver, /^Delete the backup job four-eyes nightly$/);
  await expect(approver.getByText(`${E2E_USERS.admin.name} (Admin)`)).toBeVisible();
  await approver.getByRole('button', { name: 'Reject' }).click();
  await expect(approver.getByRole('alert').filter({ hasText: 'Say why you reject it' })).toBeVisible();
  await approver.getByLabel('Comment (required to reject)').fill('We still need this job for the audit');
  await approver.getByRole('button', { name: 'Reject' }).click();
  await expect(approver.getByLabel('Request status')).toHaveText('Rejected');
  await approverContext.close();

  await page.reload();
  await expect(page.getByLabel('Request status')).toHaveText('Rejected');
  await expect(page.getByText('We still need this job for the audit')).toBeVisible();
  await page.goto('/jobs');
  await expect(page.getByRole('button', { name: 'Delete four-eyes nightly' })).toBeVisible();
});

test('an admin lowers a job’s retention: the second admin sees the points its next run deletes, approves, and the job keeps less', async ({
  page,
  browser,
}) => {
  test.setTimeout(240_000);
  const name = `test-01 kept points (four-eyes ${test.info().retry})`;
  const job = await trpcMutation<{ id: string }>(
    page,
    'jobs.create',
    nightlyJobOf(name, 'vm-test-01', {
      isEnabled: false,
      retention: { keepLast: 3, daily: 0, weekly: 0, monthly: 0 },
    }),
  );
  // Two runs: two points of test-01 that the job keeps.
  for (let run = 0; run < 2; run++) {
    const started = await trpcMutation<{ operationId: string }>(page, 'jobs.runNow', { id: job.id });
    await page.goto(`/operations/${started.operationId}`);
    await expect(operationStatus(page)).toHaveText('succeeded', { timeout: 60_000 });
  }

  // The edit wizard: keep last 1, saved as any edit is.
  await page.goto(`/jobs/${job.id}`);
  await page.getByRole('link', { name: `Edit ${name}` }).click();
  await page.getByRole('button', { name: 'Next: method' }).click();
  await page.getByRole('button', { name: 'Next: consistency & scripts' }).click();
  await page.getByRole('button', { name: 'Next: schedule & retention' }).click();
  await page.getByLabel('Keep last').fill('1');
  await page.getByRole('button', { name: 'Next: review' }).click();
  await expect(page.getByRole('heading', { level: 2, name: 'Review' })).toBeFocused();
  // Before saving, the operator sees which points the change deletes and that it needs approval:
  // the next run keeps only its own point, so both points the job keeps today go.
  await expect(
    page.getByText('The new retention deletes 2 restore points at the job’s next run'),
  ).toBeVisible();
  await expect(
    page.getByRole('list', { name: 'Restore points the next run deletes' }).getByRole('listitem'),
  ).toHaveText([/^the .+ UTC point of test-01$/, /^the .+ UTC point of test-01$/]);
  await expect(
    page.getByText('Saving sends the change to a second admin for approval (four-eyes)'),
  ).toBeVisible();
  for (const acknowledge of await page.getByRole('checkbox', { name: /^Acknowledge / }).all()) {
    await acknowledge.check();
  }
  await page.getByRole('button', { name: 'Save changes' }).click();

  // Nothing is saved: the next run would delete a point the job keeps today.
  const sent = page.locator('[data-sonner-toast]').filter({ hasText: 'Request sent for approval' });
  await expect(sent).toContainText('nothing has run yet');
  await expect(page.getByText('Keep last 3')).toBeVisible();
  await sent.getByRole('link', { name: 'View the request' }).click();
  const title = `Change the retention of ${name}: 2 restore points deleted at its next run`;
  await expect(page.getByRole('heading', { level: 1, name: title })).toBeVisible();

  const approverContext = await browser.newContext({ storageState: storageStateOf('approver') });
  const approver = await approverContext.newPage();
  await openPendingRequest(approver, new RegExp(`^${title.replace(/[()]/g, '\\$&')}$`));
  await expect(approver.getByText(`${E2E_USERS.admin.name} (Admin)`)).toBeVisible();
  await expect(approver.getByText('Keep last 3 (UTC) becomes Keep last 1 (UTC)')).toBeVisible();
  const lost = approver
    .getByRole('list', { name: 'Restore points deleted at the next run' })
    .getByRole('listitem');
  await expect(lost).toHaveCount(2);
  await expect(lost.first()).toContainText(/^the .+ UTC point of test-01$/);
  // Approved, the whole edit is saved: the approver is told it changes nothing else.
  await expect(approver.getByText('The edit changes nothing else.')).toBeVisible();
  await approver.getByRole('button', { name: 'Approve and run' }).click();
  await expect(approver.getByLabel('Request status')).toHaveText('Approved');
  await approverContext.close();

  await page.goto(`/jobs/${job.id}`);
  await expect(page.getByText('Keep last 1')).toBeVisible();
});

test('an admin asks to turn four-eyes off for deleting restore points: nothing changes until the second admin approves; turning it on again is immediate', async ({
  page,
  browser,
}) => {
  await page.goto('/approvals');
  const policies = page.getByRole('region', { name: 'Which actions need a second admin' });
  const row = policies.getByRole('listitem').filter({ hasText: /^Deleting a restore point/ });
  await row
    .getByLabel('Why turn it off for deleting a restore point? (a second admin approves it)')
    .fill('bulk clean-up after the migration');
  await row.getByRole('button', { name: 'Turn four-eyes off' }).click();
  const sent = page.locator('[data-sonner-toast]').filter({ hasText: 'Request sent for approval' });
  await expect(sent).toContainText('nothing has run yet');
  await expect(row.getByText('Needs a second admin')).toBeVisible();
  // Turning four-eyes off is always covered: its row offers no switch.
  const always = policies.getByRole('listitem').filter({ hasText: /^Turning four-eyes approval off/ });
  await expect(always).toContainText('Always: were it one admin’s say');
  await expect(always.getByRole('button')).toHaveCount(0);

  const approverContext = await browser.newContext({ storageState: storageStateOf('approver') });
  const approver = await approverContext.newPage();
  await openPendingRequest(approver, /^Turn four-eyes approval off for deleting a restore point$/);
  await expect(approver.getByText(`${E2E_USERS.admin.name} (Admin)`)).toBeVisible();
  await expect(
    approver.getByText('Why, in the requester’s words: “bulk clean-up after the migration”'),
  ).toBeVisible();
  await expect(approver.getByText(/anyone with the Admin role or above runs it alone/)).toBeVisible();
  await approver.getByRole('button', { name: 'Approve and run' }).click();
  await expect(approver.getByLabel('Request status')).toHaveText('Approved');
  await approverContext.close();

  await page.reload();
  await expect(row.getByText('Runs without approval')).toBeVisible();
  await expect(row).toContainText('bulk clean-up after the migration');
  await row.getByRole('button', { name: 'Turn four-eyes on' }).click();
  await expect(page.getByText('Four-eyes on for deleting a restore point')).toBeVisible();
  await expect(row.getByText('Needs a second admin')).toBeVisible();
});

test('an admin makes a new admin account: nothing exists until the second admin approves, and then its password signs in', async ({
  page,
  browser,
}) => {
  test.setTimeout(180_000);
  const email = 'andrea@e2e.test';
  await page.goto('/admin/users');
  const form = page.getByRole('form', { name: 'Create a user' });
  await form.getByLabel('Name').fill('Andrea Admin');
  await form.getByLabel('Email').fill(email);
  await form.getByLabel('Role').selectOption('admin');
  await form.getByLabel('First password (12+ characters)').fill('andrea-first-password');
  await form.getByRole('button', { name: 'Create user' }).click();
  const sent = page.locator('[data-sonner-toast]').filter({ hasText: 'Request sent for approval' });
  await expect(sent).toContainText(`Create the admin account ${email}: nothing has run yet`);
  const users = page.getByRole('table', { name: 'Users' });
  await expect(users.getByRole('row').filter({ hasText: email })).toHaveCount(0);

  const approverContext = await browser.newContext({ storageState: storageStateOf('approver') });
  const approver = await approverContext.newPage();
  await openPendingRequest(approver, new RegExp(`^Create the admin account ${email}$`));
  await expect(approver.getByText(`${E2E_USERS.admin.name} (Admin)`)).toBeVisible();
  await expect(approver.getByTestId('admin-change')).toHaveText(
    `A new account, Andrea Admin (${email}), with the Admin role and a first password the requester chose: whoever knows it signs in as an admin and may approve every four-eyes request.`,
  );
  await approver.getByRole('button', { name: 'Approve and run' }).click();
  await expect(approver.getByLabel('Request status')).toHaveText('Approved');
  await approverContext.close();

  await page.reload();
  await expect(users.getByRole('row').filter({ hasText: email })).toContainText('active');
  await expect(page.getByLabel(`Role of ${email}`)).toHaveValue('admin');
  // The password the requester typed, kept only as its hash, is the account's.
  const andreaContext = await browser.newContext({ storageState: { cookies: [], origins: [] } });
  const andrea = await andreaContext.newPage();
  await andrea.goto('/sign-in');
  await andrea.getByLabel('Email').fill(email);
  await andrea.getByLabel('Password').fill('andrea-first-password');
  await andrea.getByRole('button', { name: 'Sign in' }).click();
  await expect(andrea.getByRole('region', { name: 'Signed-in user' })).toContainText('Admin', {
    timeout: 60_000,
  });
  await andreaContext.close();
});
