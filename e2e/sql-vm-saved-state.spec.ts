import { expect, test } from '@playwright/test';
import { DEMO_LAB_NAMES, openVm } from './fixtures/demo-lab';

test('the SQL VM would be backed up offline in saved state, and the page says why', async ({ page }) => {
  await openVm(page, DEMO_LAB_NAMES.sqlVm);

  await expect(page.getByText('Offline / saved state only', { exact: true })).toBeVisible();

  const recommendation = page.getByRole('region', { name: 'Recommendation' });
  await expect(recommendation).toContainText('Recommended: Hyper-V VSS');
  await expect(recommendation).toContainText('in saved state');

  const methods = page.getByRole('table', { name: 'Backup methods compared' });
  const hypervVss = methods.getByRole('row').filter({ hasText: 'hyperv-vss' });
  await expect(hypervVss).toContainText('Saved state (paused)');

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
