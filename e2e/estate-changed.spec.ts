/**
 * A plan is made once: what the operator reviewed is what starts. When the estate changes between
 * the review and the start (here a merge import rewrites the host of the VM), the start is
 * refused and each wizard shows the new review instead of starting a plan nobody saw.
 */
import { expect, type Page, test } from '@playwright/test';
import { operationStatus, runBackup } from './fixtures/backup-api';

const HOST = {
  id: 'host-hv-prod-01',
  name: 'hv-prod-01',
  kind: 'hyperv',
  version: 'Windows Server 2022 Datacenter',
  pool: null,
  hasVssAwareProduct: true,
  offersQuiescedSnapshots: false,
};

/** Rewrites the host through the import merge API, as an inventory refresh would. */
async function mergeHost(page: Page, version: string) {
  const content = JSON.stringify({ formatVersion: 1, hosts: [{ ...HOST, version }] });
  const response = await page.request.post('/api/trpc/inventory.import', {
    data: { json: { content, mode: 'merge' } },
  });
  expect(response.ok(), await response.text()).toBe(true);
}

test.afterEach(async ({ page }) => {
  await mergeHost(page, HOST.version);
});

test('the backup wizard refuses to start a plan whose estate changed after the review and shows the new review', async ({
  page,
}) => {
  test.setTimeout(120_000);
  await page.goto('/backup/new');
  await page.getByLabel('Search VMs by name').fill('fs-01');
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await page.getByRole('checkbox', { name: 'Select fs-01', exact: true }).check();
  await page.getByRole('button', { name: 'Next: method' }).click();
  await page.getByRole('button', { name: 'Next: consistency & scripts' }).click();
  await page.getByRole('button', { name: 'Next: schedule & retention' }).click();
  await page.getByLabel('Once, now').check();
  await page.getByRole('button', { name: 'Next: review' }).click();

  await expect(page.getByRole('heading', { level: 2, name: 'Review' })).toBeFocused();
  const start = page.getByRole('button', { name: 'Start backup now' });
  const acknowledgement = page.getByRole('checkbox', { name: /Acknowledge .*\(HV-PASSTHROUGH-DISK\)/ });
  await acknowledgement.check();
  await expect(start).toBeEnabled();

  await mergeHost(page, 'Windows Server 2022 Datacenter (patched)');
  await start.click();

  await expect(
    page.getByRole('alert').filter({ hasText: 'The estate changed since you reviewed this plan' }),
  ).toBeVisible();
  await expect(page).toHaveURL(/step=review/);
  // The new review asks for its warnings again; nothing was started.
  await expect(acknowledgement).not.toBeChecked();
  await expect(start).toBeDisabled();
  await acknowledgement.check();
  await start.click();
  await expect(page).toHaveURL(/\/operations\/op-/);
  // The acknowledged pass-through disk is left out: the run says so rather than a plain success.
  await expect(operationStatus(page)).toHaveText('succeeded with warnings', { timeout: 60_000 });
});

test('the restore wizard refuses to run a plan whose estate changed after the impact review and shows the new impact', async ({
  page,
}) => {
  test.setTimeout(150_000);
  await runBackup(page, { kind: 'vms', vmIds: ['vm-test-01'] });
  await page.goto('/restore/new');
  await page.getByLabel('Search VMs by name').fill('test-01');
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await page.getByRole('radio', { name: /^test-01 / }).click();
  await page.getByRole('button', { name: 'Next: restore point' }).click();
  await page.getByRole('radiogroup', { name: 'Restore point timeline' }).getByRole('radio').first().click();
  await page.getByRole('button', { name: 'Next: mode' }).click();
  await page.getByRole('radio', { name: /Restore as a new VM/ }).click();
  await page.getByLabel('New VM name').fill('test-01-estate-changed');
  await page.getByRole('button', { name: 'Next: impact' }).click();
  await expect(page.getByText('No other VM is affected.')).toBeVisible();
  await page.getByRole('button', { name: 'Next: confirm' }).click();
  await expect(page.getByRole('heading', { level: 2, name: 'Confirm and run' })).toBeFocused();

  await mergeHost(page, 'Windows Server 2022 Datacenter (patched)');
  await page.getByRole('button', { name: 'Run restore' }).click();

  await expect(
    page.getByRole('alert').filter({ hasText: 'The estate changed since you reviewed this plan' }),
  ).toBeVisible();
  await expect(page.getByRole('heading', { level: 2, name: /Impact of restore as a new vm/i })).toBeVisible();
  await expect(page).toHaveURL(/step=impact/);
  await expect(page.getByText('No other VM is affected.')).toBeVisible();
  await page.getByRole('button', { name: 'Next: confirm' }).click();
  await page.getByRole('button', { name: 'Run restore' }).click();
  await expect(page).toHaveURL(/\/operations\/op-/);
  await expect(operationStatus(page)).toHaveText('succeeded', { timeout: 60_000 });
});
