import { expect, test } from '@playwright/test';
import { DEMO_LAB_NAMES, openVm } from './fixtures/demo-lab';

test("a volume page lists the VMs that share it, reached from a VM's disk", async ({ page }) => {
  await openVm(page, DEMO_LAB_NAMES.sqlVm);
  const disks = page.getByRole('table', { name: `Disks of ${DEMO_LAB_NAMES.sqlVm}` });
  await disks.getByRole('link', { name: 'D:' }).first().click();

  await expect(page.getByRole('heading', { level: 1, name: /^D: on / })).toBeVisible();
  const sharing = page.getByRole('table', { name: 'VMs sharing D:' });
  for (const vm of [DEMO_LAB_NAMES.sqlVm, DEMO_LAB_NAMES.passthroughVm, DEMO_LAB_NAMES.healthyVm]) {
    await expect(sharing.getByRole('link', { name: vm, exact: true })).toBeVisible();
  }
  await expect(page.getByText(/\d+ VMs share it/)).toBeVisible();
});

test('the volumes list shows how many VMs share each volume', async ({ page }) => {
  await page.goto('/volumes');
  const table = page.getByRole('table', { name: 'Host volumes and storage repositories' });
  const sharedSr = table.getByRole('row').filter({ hasText: DEMO_LAB_NAMES.sharedSr });
  await expect(sharedSr.getByRole('cell').last()).toHaveText('4');
  await sharedSr.getByRole('link', { name: DEMO_LAB_NAMES.sharedSr }).click();
  await expect(
    page.getByRole('table', { name: `VMs sharing ${DEMO_LAB_NAMES.sharedSr}` }).getByRole('row'),
  ).toHaveCount(5);
});

test('a XenServer SR shows what it is, never VSS or shadow storage: volumes list, volume page, host page', async ({
  page,
}) => {
  const srFacts = 'XenServer snapshots its virtual disks (VDIs); VSS does not apply';
  await page.goto('/volumes');
  const table = page.getByRole('table', { name: 'Host volumes and storage repositories' });
  await expect(table.getByRole('columnheader', { name: 'VSS' })).toHaveCount(0);
  await expect(table.getByRole('columnheader', { name: 'Shadow storage' })).toHaveCount(0);
  const sharedSr = table.getByRole('row').filter({ hasText: DEMO_LAB_NAMES.sharedSr });
  await expect(sharedSr).toContainText('Storage repository');
  // What the pool says about the SR: its type, sharing and whether its driver snapshots.
  await expect(sharedSr).toContainText(
    'SR lvmoiscsi, shared; its storage driver snapshots virtual disks (VDI_SNAPSHOT)',
  );
  const rawSr = table.getByRole('row').filter({ hasText: 'Raw HBA LUNs xs-a-03' });
  await expect(rawSr).toContainText('cannot snapshot: its storage driver lacks VDI_SNAPSHOT');
  const nfsSr = table.getByRole('row').filter({ hasText: 'NFS scratch xs-a-03' });
  await expect(nfsSr).toContainText("unknown: its storage driver's features were not read");
  // A Hyper-V volume still says its VSS and shadow storage.
  const hypervD = table.getByRole('row').filter({ hasText: /^D:/ }).first();
  await expect(hypervD).toContainText(/VSS (on|off); shadow storage/);

  await sharedSr.getByRole('link', { name: DEMO_LAB_NAMES.sharedSr }).click();
  await expect(
    page.getByRole('heading', { level: 1, name: new RegExp(DEMO_LAB_NAMES.sharedSr) }),
  ).toBeVisible();
  const terms = page.getByRole('main').locator('dt');
  await expect(terms.filter({ hasText: /^Snapshots$/ })).toHaveCount(1);
  await expect(page.getByRole('main')).toContainText(srFacts);
  await expect(terms.filter({ hasText: /^SR type$/ })).toHaveCount(1);
  await expect(page.getByRole('main')).toContainText('lvmoiscsi, shared');
  await expect(terms.filter({ hasText: /VSS|Shadow storage/ })).toHaveCount(0);

  // The SR's host lists its storage repositories the same way.
  await page.getByRole('main').locator('dd').getByRole('link').first().click();
  const srs = page.getByRole('table').filter({ hasText: DEMO_LAB_NAMES.sharedSr });
  await expect(srs.getByRole('columnheader', { name: 'Snapshots' })).toBeVisible();
  await expect(srs.getByRole('columnheader', { name: 'VSS' })).toHaveCount(0);
  await expect(srs.getByRole('columnheader', { name: 'Shadow storage' })).toHaveCount(0);
});
