import { expect, test } from '@playwright/test';
import { DEMO_LAB_NAMES } from './fixtures/demo-lab';

test('from the dashboard an operator reaches the pass-through VM and sees guest-agent recommended for that disk', async ({
  page,
}) => {
  const vmName = DEMO_LAB_NAMES.passthroughVm;
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'VMs by backup readiness' })).toBeVisible();

  await page.getByRole('link', { name: /VMs: Partial \(pass-through disks left out\)/ }).click();
  await expect(page).toHaveURL(/\/vms\?readiness=partial/);
  await expect(page.getByLabel('Readiness')).toHaveValue('partial');

  await page.getByRole('link', { name: vmName, exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: vmName })).toBeVisible();

  const findings = page.getByRole('list', { name: 'Findings' });
  const passthrough = findings
    .getByRole('listitem')
    .filter({ has: page.getByText('HV-PASSTHROUGH-DISK', { exact: true }) });
  await expect(passthrough).toBeVisible();
  await expect(passthrough).toContainText(/pass-through disk '.+'/);
  await expect(passthrough).toContainText('Remedy:');
  await expect(passthrough).toContainText(/Guest agent recommended for disk/);

  const recommendation = page.getByRole('region', { name: 'Recommendation' });
  await expect(recommendation).toContainText('a guest agent is recommended for that disk');

  const methods = page.getByRole('table', { name: 'Backup methods compared' });
  const guestAgent = methods.getByRole('row').filter({ hasText: 'guest-agent' });
  await expect(guestAgent.getByRole('cell').first()).toHaveText('Yes');
  // Host-level backup leaves the pass-through disk out; the table says which one.
  const hypervVss = methods.getByRole('row').filter({ hasText: 'hyperv-vss' });
  await expect(hypervVss).toContainText('(physical disk)');
});
