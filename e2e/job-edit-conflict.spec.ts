/**
 * Two people on one job: an operator is part-way through the edit wizard when a colleague
 * disables the job from its page. Saving the edit then must not overwrite the colleague's change:
 * the wizard says the job was saved by someone else since it was opened, keeps the edit on screen
 * and links to the job as it is now; the job stays disabled and unedited.
 */
import { expect, type Page, test } from '@playwright/test';
import { nightlyJobOf, trpcMutation } from './fixtures/backup-api';
import { storageStateOf } from './fixtures/users';

const JOB_NAME = 'web-01 nightly (edit conflict e2e)';

/** The RPO the job page shows. */
const rpoOf = (page: Page) =>
  page.locator('dt', { hasText: /^RPO$/ }).locator('xpath=following-sibling::dd[1]');

test('an edit saved after a colleague disabled the job is refused with a message, keeps the edit, and the colleague’s change survives', async ({
  page,
  browser,
}) => {
  test.setTimeout(120_000);
  const job = await trpcMutation<{ id: string }>(page, 'jobs.create', nightlyJobOf(JOB_NAME, 'vm-web-01'));

  // The first operator opens the job's edit wizard and changes its RPO.
  await page.goto(`/jobs/${job.id}`);
  await page.getByRole('link', { name: `Edit ${JOB_NAME}` }).click();
  await expect(page.getByRole('heading', { level: 1, name: `Edit backup job ${JOB_NAME}` })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Remove web-01' })).toBeVisible();
  await page.getByRole('button', { name: 'Next: method' }).click();
  await expect(page.getByRole('heading', { level: 2, name: 'Method' })).toBeFocused();
  await page.getByRole('button', { name: 'Next: consistency & scripts' }).click();
  await expect(page.getByRole('heading', { level: 2, name: 'Consistency & scripts' })).toBeFocused();
  await page.getByRole('button', { name: 'Next: schedule & retention' }).click();
  await expect(page.getByRole('heading', { level: 2, name: 'Schedule & retention' })).toBeFocused();
  await page.getByLabel('RPO in hours').fill('48');
  await page.getByRole('button', { name: 'Next: review' }).click();
  await expect(page.getByRole('heading', { level: 2, name: 'Review' })).toBeFocused();
  await expect(page.getByText(/RPO 48 h/)).toBeVisible();

  // Meanwhile a colleague (an operator in another browser) disables the job from its page.
  const colleagueContext = await browser.newContext({ storageState: storageStateOf('operator') });
  try {
    const colleague = await colleagueContext.newPage();
    await colleague.goto(`/jobs/${job.id}`);
    const enabled = colleague.getByRole('switch', { name: `Enabled: ${JOB_NAME}` });
    await expect(enabled).toHaveAttribute('aria-checked', 'true');
    await enabled.click();
    // Turning a job off asks first, saying what stops.
    const ask = colleague.getByRole('alertdialog', { name: `Disable ${JOB_NAME}?` });
    await expect(ask).toContainText(
      'No scheduled run of it starts until it is enabled again: the next was due',
    );
    await ask.getByRole('button', { name: 'Disable job' }).click();
    await expect(colleague.getByText(`${JOB_NAME} disabled`)).toBeVisible();
    await expect(enabled).toHaveAttribute('aria-checked', 'false');

    // The first operator saves: refused, said in words, the edit still on screen.
    for (const box of await page.getByRole('checkbox', { name: /^Acknowledge / }).all()) await box.check();
    await page.getByRole('button', { name: 'Save changes' }).click();
    const refusal = page.getByRole('alert').filter({ hasText: 'since you opened it' });
    await expect(refusal).toContainText(
      `Backup job "${JOB_NAME}" was saved by someone else since you opened it, so nothing was saved: reopen the job to see their changes`,
    );
    await expect(refusal).toContainText('Your changes are still here');
    await expect(page).toHaveURL(new RegExp(`/jobs/${job.id}/edit\\?step=review$`));
    await expect(page.getByText(/RPO 48 h/)).toBeVisible();
    await expect(page.getByRole('button', { name: 'Save changes' })).toBeDisabled();
    await expect(page.getByText('Not saved: someone else saved this job since you opened it.')).toBeVisible();

    // "Open the job as it is now" shows the colleague's change, in a tab of its own.
    const [current] = await Promise.all([
      page.context().waitForEvent('page'),
      refusal.getByRole('link', { name: 'Open the job as it is now (new tab)' }).click(),
    ]);
    await expect(current).toHaveURL(new RegExp(`/jobs/${job.id}$`));
    await expect(current.getByRole('switch', { name: `Enabled: ${JOB_NAME}` })).toHaveAttribute(
      'aria-checked',
      'false',
    );
    await expect(rpoOf(current)).toHaveText('26 h');
    await current.close();

    // The edit is still in the wizard, step by step.
    await page.getByRole('button', { name: 'Back' }).click();
    await expect(page.getByRole('heading', { level: 2, name: 'Schedule & retention' })).toBeFocused();
    await expect(page.getByLabel('RPO in hours')).toHaveValue('48');

    // Nothing of the edit was saved, and the colleague's disable stands.
    await colleague.reload();
    await expect(enabled).toHaveAttribute('aria-checked', 'false');
    await expect(rpoOf(colleague)).toHaveText('26 h');
  } finally {
    await colleagueContext.close();
  }
});
