import { expect, test } from '@playwright/test';
import { DEMO_LAB_NAMES, openVm } from './fixtures/demo-lab';

test('the SQL VM would be backed up offline in saved state, and the page says why', async ({ page }) => {
  await openVm(page, DEMO_LAB_NAMES.sqlVm);

  await expect(page.getByText('Offline / saved state only', { exact: true }).first()).toBeVisible();

  const recommendation = page.getByRole('region', { name: 'Recommendation' });
  await expect(recommendation).toContainText('Recommended: Hyper-V VSS');
  // Named for what it is: memory and disks while paused, never "application-consistent".
  await expect(recommendation).toContainText(
    'saved state (memory and disks captured together while the VM is paused; its applications resume where they were, with no in-guest VSS',
  );

  const methods = page.getByRole('table', { name: 'Backup methods compared' });
  const hypervVss = methods.getByRole('row').filter({ hasText: 'hyperv-vss' });
  await expect(hypervVss).toContainText('Saved state (paused)');
  await expect(hypervVss).toContainText('Saved state (memory and disks, VM paused; no in-guest VSS)');
  await expect(hypervVss).not.toContainText('Application-consistent');

  const findings = page.getByRole('list', { name: 'Findings' });
  const shadowStorage = findings
    .getByRole('listitem')
    .filter({ has: page.getByText('HV-SHADOW-STORAGE-ELSEWHERE', { exact: true }) });
  await expect(shadowStorage).toContainText('keeps its shadow copies on C:');
  await expect(shadowStorage.locator('code').filter({ hasText: 'vssadmin add shadowstorage' })).toBeVisible();
  await expect(
    findings.getByRole('listitem').filter({ has: page.getByText('HV-OFFLINE-BACKUP', { exact: true }) }),
  ).toContainText('HV-SHADOW-STORAGE-ELSEWHERE');

  const guestVolumes = page.getByRole('table', { name: `Guest volumes of ${DEMO_LAB_NAMES.sqlVm}` });
  await expect(guestVolumes.getByRole('row').filter({ hasText: 'D:' })).toContainText('C: (another volume)');
});
