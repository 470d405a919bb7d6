import { expect, test } from '@playwright/test';
import { DEMO_LAB_NAMES, readDashboardVmCount } from './fixtures/demo-lab';

test('filtering VMs by a finding keeps the filter in the URL and back restores the full list', async ({
  page,
}) => {
  await page.goto('/vms');
  const table = page.getByRole('table', { name: /Virtual machines/ });
  await expect(table.getByRole('link', { name: DEMO_LAB_NAMES.healthyVm, exact: true })).toBeVisible();

  await page.getByLabel('Finding').selectOption('HV-PASSTHROUGH-DISK');
  await expect(page).toHaveURL(/ruleId=HV-PASSTHROUGH-DISK/);
  await expect(table.getByRole('link', { name: DEMO_LAB_NAMES.passthroughVm, exact: true })).toBeVisible();
  await expect(table.getByRole('link', { name: DEMO_LAB_NAMES.healthyVm, exact: true })).toHaveCount(0);

  await page.getByLabel('Severity').selectOption('blocker');
  await expect(page.getByText('No VM matches these filters.')).toBeVisible();

  await page.goBack();
  await expect(page.getByLabel('Severity')).toHaveValue('');
  await expect(table.getByRole('link', { name: DEMO_LAB_NAMES.passthroughVm, exact: true })).toBeVisible();

  await page.goBack();
  await expect(page.getByLabel('Finding')).toHaveValue('');
  await expect(table.getByRole('link', { name: DEMO_LAB_NAMES.healthyVm, exact: true })).toBeVisible();
});

test('a dashboard finding opens the VM list filtered by it', async ({ page }) => {
  await page.goto('/');
  await page.getByRole('link', { name: /HV-OFFLINE-BACKUP/ }).click();
  await expect(page).toHaveURL(/\/vms\?ruleId=HV-OFFLINE-BACKUP/);
  await expect(page.getByLabel('Finding')).toHaveValue('HV-OFFLINE-BACKUP');
  await expect(
    page
      .getByRole('table', { name: /Virtual machines/ })
      .getByRole('link', { name: DEMO_LAB_NAMES.sqlVm, exact: true }),
  ).toBeVisible();
});

test('sorting by name descending is server-side and survives a reload', async ({ page }) => {
  await page.goto('/vms');
  const nameHeader = page.getByRole('columnheader', { name: 'Name' });
  await expect(nameHeader).toHaveAttribute('aria-sort', 'ascending');
  await nameHeader.getByRole('button').click();
  await expect(page).toHaveURL(/sort=name&direction=desc/);
  await expect(nameHeader).toHaveAttribute('aria-sort', 'descending');
  await page.reload();
  await expect(page.getByRole('columnheader', { name: 'Name' })).toHaveAttribute('aria-sort', 'descending');
});

test('filtering VMs by protection status: the VM-UNPROTECTED finding and the Protection filter list VMs with no good point, and the VM page says so', async ({
  page,
}) => {
  // archive-01 can be backed up by no method, so no spec ever gives it a restore point.
  const archive = 'archive-01';
  await page.goto('/vms');
  const table = page.getByRole('table', { name: /Virtual machines/ });
  await page.getByLabel('Finding').selectOption('VM-UNPROTECTED');
  await expect(page).toHaveURL(/ruleId=VM-UNPROTECTED/);
  const row = table.getByRole('row').filter({ has: page.getByRole('link', { name: archive, exact: true }) });
  await expect(row.getByText('Unprotected (VM-UNPROTECTED)')).toBeVisible();
  await expect(row.getByText('no good point')).toBeVisible();

  await page.getByLabel('Finding').selectOption('');
  await page.getByLabel('Protection').selectOption({ label: 'Unprotected (VM-UNPROTECTED)' });
  await expect(page).toHaveURL(/protection=unprotected/);
  await expect(row).toBeVisible();
  await page.getByLabel('Protection').selectOption({ label: 'Protected within RPO' });
  await expect(table.getByRole('link', { name: archive, exact: true })).toHaveCount(0);

  await page.goto('/vms');
  await table.getByRole('link', { name: archive, exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: archive })).toBeVisible();
  await expect(page.getByText('Unprotected (VM-UNPROTECTED)').first()).toBeVisible();
  await expect(page.getByText('No good restore point')).toBeVisible();
});

test('the pager counts every VM of the filter, asked apart from the page and once per filter', async ({
  page,
}) => {
  const vmCount = await readDashboardVmCount(page);
  const counts: string[] = [];
  page.on('request', (request) => {
    if (request.url().includes('vms.count')) counts.push(request.url());
  });
  await page.goto('/vms');
  const pager = page.getByRole('navigation', { name: 'Pages' });
  await expect(pager).toContainText(`Page 1 · ${Math.min(vmCount, 25)} shown of ${vmCount} VMs`);

  // Sorting asks for another page, not another count.
  await page.getByRole('columnheader', { name: 'Name' }).getByRole('button').click();
  await expect(page).toHaveURL(/direction=desc/);
  await expect(page.getByRole('columnheader', { name: 'Name' })).toHaveAttribute('aria-sort', 'descending');
  await expect(pager).toContainText(`shown of ${vmCount} VMs`);
  expect(counts).toHaveLength(1);

  await page.getByLabel('Finding').selectOption('HV-PASSTHROUGH-DISK');
  await expect(pager).toContainText(/Page 1 · (\d+) shown of \1 VMs/);
  // The new filter's count may still be on its way when the page's rows already fit the pager.
  await expect.poll(() => counts.length).toBe(2);
});

test('a volume filter reads the volume by name, with its host or array, and clears', async ({ page }) => {
  await page.goto(`/vms?hostVolumeId=${DEMO_LAB_NAMES.wsbVolumeId}`);
  await expect(page.getByText('On host volume D: on hv-branch-01')).toBeVisible();
  await expect(page.getByText(DEMO_LAB_NAMES.wsbVolumeId)).toHaveCount(0);
  await page.getByRole('button', { name: 'Remove the host volume filter' }).click();
  await expect(page).not.toHaveURL(/hostVolumeId/);

  await page.goto('/vms?arrayVolumeId=lun-vmstore');
  await expect(page.getByText('On array volume lun_vmstore (netapp-fas01)')).toBeVisible();
  const table = page.getByRole('table', { name: /Virtual machines/ });
  await expect(table.getByRole('link', { name: 'exch-01', exact: true })).toBeVisible();
});

test('the host filter is a type-ahead picker: the server matches the typed name, Any host clears it', async ({
  page,
}) => {
  await page.goto('/vms');
  const host = page.getByLabel('Host', { exact: true });
  await host.fill('branch');
  await page.getByRole('option', { name: /^hv-branch-01\b/ }).click();
  await expect(page).toHaveURL(/hostId=host-hv-branch-01/);
  await expect(host).toHaveValue('hv-branch-01');
  const table = page.getByRole('table', { name: /Virtual machines/ });
  await expect(table.getByRole('link', { name: 'branch-app-01', exact: true })).toBeVisible();
  await expect(table.getByRole('link', { name: DEMO_LAB_NAMES.healthyVm, exact: true })).toHaveCount(0);
  await host.fill('');
  await page.getByRole('option', { name: 'Any host' }).click();
  await expect(page).not.toHaveURL(/hostId=/);
});

test('facts nobody read say so: an unread XenServer guest and a volume without shadow storage', async ({
  page,
}) => {
  // scan-xen-03 is halted without guest tools: its pool read nothing of its guest.
  await page.goto('/vms/vm-scan-xen-03');
  await expect(page.getByRole('heading', { level: 1, name: 'scan-xen-03' })).toBeVisible();
  await expect(page.getByText('OS not read')).toBeVisible();
  const vssProvider = page.getByRole('term').filter({ hasText: /^Xen VSS provider$/ });
  await expect(vssProvider.locator('xpath=following-sibling::dd[1]')).toHaveText('not read');

  // F: of hv-prod-01 has VSS off and no shadow storage: no limit to speak of, not an unbounded one.
  await page.goto('/volumes/vol-hv-prod-01-f');
  const limit = page.getByRole('term').filter({ hasText: /^Shadow storage limit$/ });
  await expect(limit.locator('xpath=following-sibling::dd[1]')).toHaveText('none (no shadow storage)');
});
