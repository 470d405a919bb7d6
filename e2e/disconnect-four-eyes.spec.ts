/**
 * Four-eyes of a disconnect, with two admins each in their own browser: the admin connects the
 * fake Windows host (started by this spec; its VMs renamed dq-sql01, dq-file01, dq-web01, apart
 * from other specs' VMs), syncs it, and a disabled job backs up dq-web01. Disconnecting the host
 * says what stops and that it is sent for approval; the admin types the name and only asks: the
 * host stays connected, and they cannot approve their own request. The second admin opens the
 * request from the approvals count, reads the connection, the VMs and the job by name, approves it,
 * and the host is disconnected; the audit trail names both. What it leaves behind: the host HV01
 * with its VMs (as the other Hyper-V specs leave it), no connection, no job (deleted, approved), and
 * one vault account named for this spec only.
 */
import { expect, type Page, test } from '@playwright/test';
import { ADMIN, startFakeHost } from '../server/drivers/hyperv/hyperv-test-support';
import { nightlyJobOf, trpcMutation, trpcQuery } from './fixtures/backup-api';
import { addHypervHost, storeAccount, syncHypervHost } from './fixtures/connections';
import { E2E_USERS, storageStateOf } from './fixtures/users';

const CONNECTION = 'HV01 four-eyes';
const ACCOUNT = 'HV01 four-eyes account';
const JOB = 'dq-web01 nightly (disconnect four-eyes)';
const TITLE = `Disconnect the Hyper-V host ${CONNECTION}`;
const STOPS = /\d+ VMs on its hosts can then be neither backed up nor restored\./;

let fake: Awaited<ReturnType<typeof startFakeHost>>;
test.beforeAll(async () => {
  fake = await startFakeHost(4096);
  for (const vm of fake.model.state.vms) vm.name = `dq-${vm.name}`;
});
test.afterAll(async () => {
  await fake?.dispose();
});

async function openPendingRequest(page: Page): Promise<void> {
  await page.goto('/');
  await page.getByRole('link', { name: /^Approvals\s*:?\s*[1-9]\d*\s+waiting$/ }).click();
  await page
    .getByRole('table', { name: 'Requests waiting for approval' })
    .getByRole('link', { name: TITLE })
    .click();
}

/** The job made for the impact, deleted as the console deletes one: asked, then approved. */
async function deleteJob(page: Page, approver: Page, id: string): Promise<void> {
  const asked = await trpcMutation<{ approvalRequest?: { id: string } }>(page, 'jobs.delete', {
    id,
    confirmation: JOB,
  });
  if (asked.approvalRequest) {
    await trpcMutation(approver, 'approvals.approve', { id: asked.approvalRequest.id });
  }
}

test('an admin asks to disconnect a Hyper-V host; it stays connected until a second admin approves', async ({
  page,
  browser,
}) => {
  test.setTimeout(180_000);
  await page.goto('/admin/connections');
  await storeAccount(page, { name: ACCOUNT, ...ADMIN });
  await addHypervHost(page, {
    name: CONNECTION,
    port: fake.host.port,
    account: ACCOUNT,
    username: ADMIN.username,
  });
  await expect(page.getByText(`Hyper-V host ${CONNECTION} added`)).toBeVisible();
  const host = await syncHypervHost(page, CONNECTION, 'Synced HV01: 3 VMs in the inventory');
  const web01 = (
    await trpcQuery<{ items: { id: string; name: string }[] }>(page, 'vms.list', { search: 'dq-web01' })
  ).items[0];
  const job = await trpcMutation<{ id: string }>(
    page,
    'jobs.create',
    nightlyJobOf(JOB, web01.id, { isEnabled: false }),
  );

  // The confirmation says what stops, and that the disconnect only asks.
  await host.getByRole('button', { name: 'Disconnect…' }).click();
  const ask = page.getByRole('alertdialog', { name: `Disconnect ${CONNECTION}?` });
  await expect(ask).toContainText(STOPS);
  await expect(ask.getByRole('list', { name: 'Jobs whose runs fail' })).toContainText(`${JOB} (disabled)`);
  await expect(ask).toContainText('Nothing is disconnected yet: a second admin reviews this impact');
  const send = ask.getByRole('button', { name: `Send for approval: disconnect ${CONNECTION}` });
  await expect(send).toBeDisabled();
  await ask.getByLabel(/^Type the connection's name/).fill(CONNECTION);
  await send.click();
  const sent = page.locator('[data-sonner-toast]').filter({ hasText: 'Request sent for approval' });
  await expect(sent).toContainText(`${TITLE}: nothing has run yet`);
  await sent.getByRole('link', { name: 'View the request' }).click();
  await expect(page.getByRole('heading', { level: 1, name: TITLE })).toBeVisible();
  await expect(page.getByLabel('Request status')).toHaveText('Waiting for approval');
  await expect(
    page.getByText('You asked for this action: another admin must approve it (four-eyes).'),
  ).toBeVisible();
  await expect(page.getByRole('button', { name: 'Approve and run' })).toHaveCount(0);
  const requestUrl = page.url();
  // Nothing is disconnected yet.
  await page.goto('/admin/connections');
  await expect(host).toBeVisible();

  // The second admin reads the connection and what stops, by name, and approves.
  const approverContext = await browser.newContext({ storageState: storageStateOf('approver') });
  const approver = await approverContext.newPage();
  try {
    await openPendingRequest(approver);
    await expect(approver.getByRole('heading', { level: 1, name: TITLE })).toBeVisible();
    const main = approver.getByRole('main');
    await expect(main).toContainText('Disconnecting a Hyper-V host or XenServer pool');
    await expect(main).toContainText(`${E2E_USERS.admin.name} (Admin)`);
    await expect(main).toContainText(`The Hyper-V host ${CONNECTION} (127.0.0.1) is disconnected`);
    await expect(main).toContainText('It reads HV01.');
    await expect(main).toContainText(STOPS);
    await expect(main.getByRole('list', { name: 'Jobs whose runs fail' })).toContainText(`${JOB} (disabled)`);
    await approver.getByLabel('Comment (required to reject)').fill('Host retired this week');
    await approver.getByRole('button', { name: 'Approve and run' }).click();
    await expect(approver.getByLabel('Request status')).toHaveText('Approved');

    // The audit trail: the request, then its approval, by name.
    await approver.goto('/audit?action=approvals.');
    const rows = approver.getByRole('table', { name: 'Audit entries, newest first' }).getByRole('row');
    await expect(rows.nth(1)).toContainText('approvals.approve');
    await expect(rows.nth(1)).toContainText(E2E_USERS.approver.name);
    await expect(rows.nth(1)).toContainText(TITLE);
    await expect(rows.nth(2)).toContainText('approvals.request');
    await expect(rows.nth(2)).toContainText(E2E_USERS.admin.name);

    // The requester reads who approved it; the host is disconnected.
    await page.goto(requestUrl);
    await expect(page.getByLabel('Request status')).toHaveText('Approved');
    await expect(page.getByText('Host retired this week')).toBeVisible();
    await page.goto('/admin/connections');
    await expect(page.getByRole('heading', { level: 1, name: 'Connections' })).toBeVisible();
    await expect(host).toHaveCount(0);
    await deleteJob(page, approver, job.id);
  } finally {
    await approverContext.close();
  }
});
