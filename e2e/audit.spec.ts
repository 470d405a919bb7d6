import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { DEMO_LAB_NAMES, openVm } from './fixtures/demo-lab';
import { PLANTED_SECRET } from './fixtures/planted-secret';
import { E2E_USERS } from './fixtures/users';

test('what an operator does shows up on the audit page, filtered and exported, with no secret in it', async ({
  page,
}) => {
  // A connector credential stored through the API: its value must never come back or be recorded.
  const stored = await page.request.post('/api/trpc/secrets.create', {
    data: { json: { name: 'xen pool e2e', kind: 'password', username: 'root', secret: PLANTED_SECRET } },
  });
  expect(stored.ok(), await stored.text()).toBe(true);
  expect(await stored.text()).not.toContain(PLANTED_SECRET);
  // A refused change: deleting a job that does not exist, from a client naming another address.
  const refused = await page.request.post('/api/trpc/jobs.delete', {
    data: { json: { id: 'job-nope', confirmation: 'nope' } },
    headers: { 'x-forwarded-for': '203.0.113.9' },
  });
  expect(refused.status()).toBe(404);

  // A backup started by clicking, as an operator would.
  const vm = DEMO_LAB_NAMES.healthyVm;
  await openVm(page, vm);
  await page.getByRole('button', { name: 'Back up now' }).click();
  await page
    .getByRole('alertdialog', { name: `Back up ${vm} now?` })
    .getByRole('button', { name: 'Start backup' })
    .click();
  await expect(page).toHaveURL(/\/operations\/op-/);

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit trail' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Audit trail' })).toBeVisible();
  const table = page.getByRole('table', { name: 'Audit entries, newest first' });
  const rows = table.getByRole('row');
  // Newest first: the backup, the refusal, the credential (header row first).
  await expect(rows.nth(1)).toContainText('operations.backupVm');
  await expect(rows.nth(1)).toContainText('Succeeded');
  // The signed-in admin, by name: the actor comes from the session.
  await expect(rows.nth(1)).toContainText(E2E_USERS.admin.name);
  await expect(rows.nth(1)).toContainText('127.0.0.1');
  await expect(rows.nth(2)).toContainText('jobs.delete');
  await expect(rows.nth(2)).toContainText('Refused');
  await expect(rows.nth(2)).toContainText('job-nope');
  // Reached directly, the address is the socket's: what the client claims is not recorded.
  await expect(rows.nth(2)).toContainText('127.0.0.1');
  await expect(rows.nth(2)).not.toContainText('203.0.113.9');
  const secretRow = rows.nth(3);
  await expect(secretRow).toContainText('secrets.create');
  await expect(secretRow).toContainText('secret xen pool e2e');
  await secretRow.getByText('Show input').click();
  await expect(secretRow).toContainText('"secret": "[redacted]"');
  await expect(page.locator('body')).not.toContainText(PLANTED_SECRET);

  // Filters narrow the list in SQL and live in the URL.
  await page.getByLabel('Outcome').selectOption('refused');
  await expect(page).toHaveURL(/outcome=refused/);
  await expect(table.getByRole('row')).toHaveCount(2);
  await expect(table.getByRole('row').nth(1)).toContainText('jobs.delete');
  await page.getByLabel('Outcome').selectOption('');
  // The list shows every outcome again before the next filter is typed (as a person sees it).
  await expect(page).not.toHaveURL(/outcome=/);
  await expect(table.getByRole('row')).not.toHaveCount(2);
  await page.getByLabel('Action').fill('secrets.');
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(page).toHaveURL(/action=secrets\./);
  await expect(table.getByRole('row')).toHaveCount(2);
  await expect(table.getByRole('row').nth(1)).toContainText('secrets.create');

  // The CSV export carries the same filter.
  const downloading = page.waitForEvent('download');
  await page.getByRole('link', { name: 'Export CSV' }).click();
  const csv = readFileSync((await (await downloading).path()) as string, 'utf8');
  const lines = csv.trim().split('\r\n');
  expect(lines[0]).toMatch(/^seq,time,actor,/);
  expect(lines).toHaveLength(2);
  expect(lines[1]).toContain('"secrets.create"');
  expect(csv).not.toContain(PLANTED_SECRET);

  // Two filters chosen faster than the list reloads: the second does not undo the first. The
  // page's load for the first is held until the second is applied, so the order is certain.
  let releaseLoad = () => {};
  const loadHeld = new Promise<void>((resolve) => {
    releaseLoad = resolve;
  });
  const firstFilterLoad = /\/audit\?.*outcome=refused/;
  await page.route(firstFilterLoad, async (route) => {
    await loadHeld;
    // The browser may have dropped the first load for the second by now: nothing is left to send.
    await route.continue().catch(() => undefined);
  });
  await page.getByLabel('Outcome').selectOption('refused');
  await page.getByLabel('Action').fill('jobs.');
  await page.getByRole('button', { name: 'Apply' }).click();
  releaseLoad();
  await page.unroute(firstFilterLoad);
  await expect(page).toHaveURL(/outcome=refused/);
  await expect(page).toHaveURL(/action=jobs\./);
  await expect(table.getByRole('row')).toHaveCount(2);
  await expect(table.getByRole('row').nth(1)).toContainText('jobs.delete');

  await page.getByRole('button', { name: 'Verify the chain' }).click();
  await expect(page.getByText(/^Intact: \d+ entries checked, every hash matches\.$/)).toBeVisible();
});
