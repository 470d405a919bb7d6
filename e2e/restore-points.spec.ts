import { expect, test } from '@playwright/test';
import { operationStatus, runBackup, snap } from './fixtures/backup-api';
import { expectToastClearOf } from './fixtures/toasts';
import { E2E_USERS, storageStateOf } from './fixtures/users';

test('browse and filter restore points, inspect, verify, and delete the only point of a VM once a second admin approves', async ({
  page,
  browser,
}, testInfo) => {
  test.setTimeout(150_000);
  await runBackup(page, { kind: 'vms', vmIds: ['vm-erp-01', 'vm-web-lnx-03'] });

  await page.goto('/restore-points');
  const table = page.getByRole('table', { name: 'Restore points' });
  await expect(table.getByRole('row').filter({ hasText: 'erp-01' }).first()).toBeVisible();

  // Filters live in the URL and are applied by the server.
  await page.getByLabel('Consistency').selectOption('crash');
  await expect(page).toHaveURL(/consistency=crash/);
  await expect(table.getByRole('row').filter({ hasText: 'web-lnx-03' }).first()).toBeVisible();
  await expect(table.getByRole('row').filter({ hasText: 'erp-01' })).toHaveCount(0);
  // No spec takes a point by guest agent: crash + guest agent matches nothing, whatever points the
  // specs before this one left (one left fs-01 crash-consistent by Hyper-V VSS).
  await page.getByLabel('Method').selectOption('guest-agent');
  await expect(page.getByText('No restore point matches these filters.')).toBeVisible();
  await page.goBack();
  await expect(table.getByRole('row').filter({ hasText: 'web-lnx-03' }).first()).toBeVisible();
  await page.getByLabel('Sort').selectOption('oldest');
  await expect(page).toHaveURL(/sort=oldest/);
  // Host and VM are type-ahead pickers matched on the server (any of 20,000 VMs, not the first
  // 100): the VM picker offers the chosen host's VMs only, each named with its host.
  const host = page.getByLabel('Host', { exact: true });
  await host.fill('xs-a-0');
  await page.getByRole('option', { name: /^xs-a-03\b/ }).click();
  await expect(page).toHaveURL(/hostId=host-xs-a-03/);
  await expect(host).toHaveValue('xs-a-03');
  const vm = page.getByLabel('VM', { exact: true });
  await vm.fill('web-lnx');
  await expect(page.getByRole('option', { name: /^web-lnx-03\s*on xs-a-03$/ })).toBeVisible();
  await page.getByRole('option', { name: /^web-lnx-03\s*on xs-a-03$/ }).click();
  await expect(page).toHaveURL(/vmId=vm-web-lnx-03/);
  await expect(vm).toHaveValue('web-lnx-03');
  await expect(table.getByRole('row').filter({ hasText: 'web-lnx-03' }).first()).toBeVisible();
  await vm.fill('');
  await page.getByRole('option', { name: 'Any VM' }).click();
  await expect(page).not.toHaveURL(/vmId=/);
  await snap(page, testInfo, 'restore-points-filtered');

  await table
    .getByRole('button', { name: /Details of web-lnx-03/ })
    .first()
    .click();
  const drawer = page.getByRole('dialog');
  await expect(drawer.getByRole('heading', { name: 'Disks' })).toBeVisible();
  await expect(drawer.getByText('Crash-consistent').first()).toBeVisible();
  // Verify runs as an operation in the worker: a toast names the point, then says its verdict.
  await drawer.getByRole('button', { name: 'Verify' }).click();
  const verdict = page.locator('[data-sonner-toast]').filter({
    hasText: /Verification of the .+ point of web-lnx-03: intact/,
  });
  await expect(verdict).toBeVisible({ timeout: 30_000 });
  // The toast leaves the drawer's buttons free (it once sat on its Close button, top right).
  await expectToastClearOf(verdict, [
    drawer.getByRole('button', { name: 'Close details' }),
    drawer.getByRole('button', { name: 'Verify' }),
    drawer.getByRole('button', { name: 'Delete…' }),
  ]);
  await expect(drawer.getByRole('heading', { name: 'Verify history' })).toBeVisible();
  await expect(drawer.getByText('intact').first()).toBeVisible();
  await snap(page, testInfo, 'restore-points-details');

  await drawer.getByRole('button', { name: 'Delete…' }).click();
  const confirm = page.getByRole('alertdialog', { name: 'Delete this restore point?' });
  await expect(confirm.getByText(/only restore point of web-lnx-03/)).toBeVisible();
  await expect(confirm.getByRole('button', { name: 'Delete point' })).toBeDisabled();
  // The text to type names this point, not only its VM: the VM and the second it was taken, in UTC.
  const pointText = confirm.getByText(/^web-lnx-03 \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/);
  await expect(pointText).toHaveClass(/font-mono/);
  const typedText = await pointText.innerText();
  const typed = confirm.getByLabel(/^Type the point's VM and time/);
  for (const wrong of ['web-lnx-03', typedText.slice(0, -1)]) {
    await typed.fill(wrong);
    await expect(confirm.getByRole('button', { name: 'Delete point' })).toBeDisabled();
  }
  await typed.fill(typedText);
  await confirm.getByRole('button', { name: 'Delete point' }).click();

  // Four-eyes: the deletion waits for a second admin; the requester cannot approve it.
  const sent = page.locator('[data-sonner-toast]').filter({ hasText: 'Request sent for approval' });
  await expect(sent).toBeVisible();
  await sent.getByRole('link', { name: 'View the request' }).click();
  const title = /^Delete the .+ UTC point of web-lnx-03$/;
  await expect(page.getByRole('heading', { level: 1, name: title })).toBeVisible();
  await expect(page.getByLabel('Request status')).toHaveText('Waiting for approval');
  await expect(
    page.getByText('You asked for this action: another admin must approve it (four-eyes).'),
  ).toBeVisible();
  await expect(page.getByRole('button', { name: 'Approve and run' })).toHaveCount(0);

  // The second admin, in their own browser: the header badge, the list, the same loss, the requester.
  const approverContext = await browser.newContext({ storageState: storageStateOf('approver') });
  const approver = await approverContext.newPage();
  await approver.goto('/');
  await approver.getByRole('link', { name: /^Approvals\s*:?\s*[1-9]\d*\s+waiting$/ }).click();
  await approver
    .getByRole('table', { name: 'Requests waiting for approval' })
    .getByRole('link', { name: title })
    .click();
  await expect(approver.getByText(`${E2E_USERS.admin.name} (Admin)`)).toBeVisible();
  await expect(approver.getByText(/It is the only restore point of web-lnx-03/)).toBeVisible();
  await approver.getByRole('button', { name: 'Approve and run' }).click();
  await expect(approver.getByLabel('Request status')).toHaveText('Approved');

  // The approval leads to the deletion's operation: what ran, for which point.
  await approver.getByRole('link', { name: 'View operation' }).click();
  await expect(approver.getByRole('heading', { name: title })).toBeVisible();
  await expect(operationStatus(approver)).toHaveText('succeeded', { timeout: 30_000 });
  await expect(approver.getByText('point deletion')).toBeVisible();
  await approverContext.close();

  await page.goto('/restore-points');
  await expect(table.getByRole('row').filter({ hasText: 'web-lnx-03' })).toHaveCount(0);
});
