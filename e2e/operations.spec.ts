import { expect, type Locator, type Page, test } from '@playwright/test';
import { operationStatus } from './fixtures/backup-api';
import { DEMO_LAB_NAMES, openVm } from './fixtures/demo-lab';
import { holdVmCalls, openVmId } from './fixtures/lab-faults';
import { E2E_USERS } from './fixtures/users';

/** The array-backed Linux VM: its snapshot captures the whole consistency group (~20 steps; exch-01, whose VHD disk cannot be copied, is captured but left out). */
const ARRAY_VM = 'db-lnx-01';

async function backUpNow(page: Page, vmName: string, beforeStart?: () => void): Promise<void> {
  await openVm(page, vmName);
  beforeStart?.();
  await page.getByRole('button', { name: 'Back up now' }).click();
  const dialog = page.getByRole('alertdialog', { name: `Back up ${vmName} now?` });
  await expect(dialog).toContainText('(recommended)');
  await dialog.getByRole('button', { name: 'Start backup' }).click();
  await expect(page).toHaveURL(/\/operations\/op-/);
}

function stepsTable(page: Page): Locator {
  return page.getByRole('table', { name: 'Steps' });
}

/** The status cell of the step row with that title (the nth one when titles repeat). */
function stepStatus(page: Page, title: string | RegExp, nth = 0): Locator {
  return stepsTable(page).getByRole('row', { name: title, exact: true }).nth(nth).getByRole('cell').nth(1);
}

/** A value set in the page's window survives only if the page is never reloaded. */
async function markPage(page: Page): Promise<void> {
  await page.evaluate(() => {
    (window as unknown as { migawkaMark?: string }).migawkaMark = 'still the same page';
  });
}

async function expectSamePage(page: Page): Promise<void> {
  expect(await page.evaluate(() => (window as unknown as { migawkaMark?: string }).migawkaMark)).toBe(
    'still the same page',
  );
}

test('a backup started from the VM page reaches succeeded live on its operation page', async ({ page }) => {
  const vm = DEMO_LAB_NAMES.healthyVm;
  // The VM's host stops answering before the start, so the page is certain to see the run mid-way.
  let host: { release: () => void } | undefined;
  await backUpNow(page, vm, () => {
    host = holdVmCalls(openVmId(page));
  });

  await expect(page.getByRole('heading', { level: 1 })).toContainText(vm);
  await markPage(page);
  await expect(stepStatus(page, `Check ${vm} before Hyper-V VSS`)).toHaveText('running');
  await expect(stepStatus(page, `Catalogue the restore point of ${vm}`)).toHaveText('pending');
  host?.release();

  // Steps turn succeeded one after another, pushed over SSE, without a reload.
  await expect(stepStatus(page, `Check ${vm} before Hyper-V VSS`)).toHaveText('succeeded');
  await expect(stepStatus(page, `Copy ${vm} to the repository`)).toHaveText('succeeded');
  await expect(operationStatus(page)).toHaveText('succeeded');
  await expect(stepStatus(page, `Catalogue the restore point of ${vm}`)).toHaveText('succeeded');
  await expectSamePage(page);

  const copyRow = stepsTable(page).getByRole('row', { name: `Copy ${vm} to the repository`, exact: true });
  await expect(copyRow).toContainText(/\d+(\.\d)? (KiB|MiB)\/s/);

  const outcomes = page.getByRole('table', { name: 'Consistency per VM' });
  await expect(outcomes.getByRole('row').filter({ hasText: vm })).toContainText('Application-consistent');
  await expect(outcomes.getByRole('link', { name: `Restore point of ${vm}` })).toBeVisible();

  // The VM page now lists the point and verifies it. The row is found by its link to this
  // operation, not by position: the page may first show a cached list without the new point.
  const operationPath = new URL(page.url()).pathname;
  await page.getByRole('link', { name: vm, exact: true }).click();
  const points = page.getByRole('table', { name: `Restore points of ${vm}` });
  const newest = points.getByRole('row').filter({ has: page.locator(`a[href="${operationPath}"]`) });
  await expect(newest).toContainText('Application-consistent');
  await newest.getByRole('button', { name: /^Verify the restore point/ }).click();
  await expect(newest.getByText('intact', { exact: true })).toBeVisible();
});

test('cancelling a backup mid-way still runs its cleanup steps and ends cancelled', async ({ page }) => {
  await backUpNow(page, ARRAY_VM);
  await markPage(page);

  // Wait for the array snapshot: from here on, cancelling still owes the snapshot's release.
  const snapshot = stepsTable(page).getByRole('row', { name: /^Snapshot consistency group/ });
  await expect(snapshot.getByRole('cell').nth(1)).toHaveText('succeeded');
  await page.getByRole('button', { name: 'Cancel operation' }).click();
  const dialog = page.getByRole('alertdialog', { name: 'Cancel this operation?' });
  await dialog.getByRole('button', { name: 'Cancel operation' }).click();
  await expect(page.getByText('Cancel requested: cleanup steps will still run')).toBeVisible();

  await expect(operationStatus(page)).toHaveText('cancelled', { timeout: 30_000 });
  await expectSamePage(page);

  const thaw = stepsTable(page).getByRole('row', {
    name: `Thaw the file systems of ${ARRAY_VM}`,
    exact: true,
  });
  await expect(thaw).toContainText('cleanup');
  await expect(stepStatus(page, `Thaw the file systems of ${ARRAY_VM}`)).toHaveText('succeeded');
  const release = stepsTable(page).getByRole('row', { name: 'Release the snapshot', exact: true });
  await expect(release).toContainText('cleanup');
  await expect(stepStatus(page, 'Release the snapshot')).toHaveText('succeeded');
  // Work after the cancel did not happen: no restore point was catalogued.
  await expect(stepStatus(page, `Catalogue the restore point of ${ARRAY_VM}`)).not.toHaveText('succeeded');
  // And the VM's outcome says none will come, not that it is still on its way.
  const outcome = page
    .getByRole('table', { name: 'Consistency per VM' })
    .getByRole('row')
    .filter({ hasText: ARRAY_VM });
  await expect(outcome).toContainText('no point: its backup did not run to the end');
  // Who asked and who cancelled, by name: not "user:<account id>".
  const fact = (term: string) =>
    page.locator('dt', { hasText: term }).locator('xpath=following-sibling::dd[1]');
  await expect(fact('Requested by')).toHaveText(E2E_USERS.admin.name);
  await expect(fact('Cancelled by')).toHaveText(E2E_USERS.admin.name);
  await expect(page.getByRole('button', { name: 'Cancel operation' })).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Retry failed' })).toBeVisible();
  const cancelledPath = new URL(page.url()).pathname;

  // The Operations page files it under finished, as cancelled.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Operations' }).click();
  const finished = page.getByRole('table', { name: 'Finished operations' });
  await expect(finished.getByRole('row').filter({ hasText: ARRAY_VM }).first()).toContainText('cancelled');
  await page.getByLabel('Status', { exact: true }).selectOption('cancelled');
  await expect(page).toHaveURL(/status=cancelled/);
  const onlyCancelled = page.getByRole('table', { name: 'Only cancelled operations' });
  await expect(onlyCancelled.getByRole('row').filter({ hasText: ARRAY_VM }).first()).toBeVisible();
  await expect(page.getByRole('table', { name: 'Running operations' })).toHaveCount(0);

  // A retry is a new run, which names the one it retries by its title and time, not by its id.
  await page.goto(cancelledPath);
  await expect(page.getByRole('heading', { level: 1 })).toContainText(ARRAY_VM);
  const cancelledTitle = (await page.getByRole('heading', { level: 1 }).textContent())?.trim() ?? '';
  await page.getByRole('button', { name: 'Retry failed' }).click();
  await expect(page).not.toHaveURL(new RegExp(`${cancelledPath}$`));
  const retryOf = page.locator(`a[href="${cancelledPath}"]`);
  await expect(retryOf).toContainText(`${cancelledTitle}, queued`);
  await expect(retryOf).not.toContainText(cancelledPath.split('/').at(-1) ?? '');
  // It runs to its end here, so no later test meets it holding the array VM.
  await expect(operationStatus(page)).toHaveText(/^succeeded/, { timeout: 60_000 });
});

test('a backup that leaves a pass-through disk out ends succeeded with warnings, saying why, live and in the list', async ({
  page,
}) => {
  const vm = DEMO_LAB_NAMES.passthroughVm;
  await backUpNow(page, vm);
  await expect(operationStatus(page)).toHaveText('succeeded with warnings', { timeout: 60_000 });
  // The toast of the watched run names it and says why; so does the notice under its title.
  const toast = page.locator('[data-sonner-toast]').filter({ hasText: 'succeeded with warnings' });
  await expect(toast).toContainText(vm);
  await expect(toast).toContainText(/leaves out pass-through disk/);
  const notice = page.getByRole('note', { name: 'Why it succeeded with warnings' });
  await expect(notice).toContainText(/leaves out pass-through disk '.+'.*it is partial/);
  await expect(stepStatus(page, `Catalogue the restore point of ${vm}`)).toHaveText('succeeded');
  await expect(
    stepsTable(page).getByRole('row', { name: `Catalogue the restore point of ${vm}`, exact: true }),
  ).toContainText('Warning: the point of');

  await page.goto('/operations?status=succeeded-with-warnings');
  const row = page
    .getByRole('row')
    .filter({ hasText: `Backup ${vm}` })
    .first();
  await expect(row).toContainText('succeeded with warnings');
  await expect(row.getByRole('list', { name: 'Warnings' })).toContainText(/leaves out pass-through disk/);

  // Unfiltered, the finished list shows it too (it once listed every final status but this one).
  await page.goto('/operations');
  const finished = page.getByRole('table', { name: 'Finished operations' });
  await expect(
    finished
      .getByRole('row')
      .filter({ hasText: `Backup ${vm}` })
      .first(),
  ).toContainText('succeeded with warnings');
});
