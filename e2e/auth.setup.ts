/**
 * Signs in once per role, as a person would (the sign-in page), and keeps each browser's cookies
 * for the specs: the admin is the server's demo admin; it creates the operator, restore operator,
 * viewer and a second admin, the four-eyes approver, first (the users.create procedure the Users
 * page calls).
 */
import { expect, type Page, test as setup } from '@playwright/test';
import { E2E_USERS, type E2eUser, storageStateOf } from './fixtures/users';

async function signInThroughThePage(page: Page, who: E2eUser): Promise<void> {
  const { email, password, name } = E2E_USERS[who];
  await page.goto('/');
  await expect(page).toHaveURL(/\/sign-in/);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  // Hashing the password (scrypt) is slow on a busy machine: the sign-in may take a while.
  await expect(page.getByRole('region', { name: 'Signed-in user' })).toContainText(name, { timeout: 60_000 });
  await page.context().storageState({ path: storageStateOf(who) });
}

setup('sign in as the admin and create the other users', async ({ page, baseURL }) => {
  await signInThroughThePage(page, 'admin');
  for (const who of ['operator', 'restoreOperator', 'viewer', 'approver'] as const) {
    const { email, password, role, name } = E2E_USERS[who];
    const response = await page.request.post('/api/trpc/users.create', {
      headers: { origin: baseURL ?? '' },
      data: { json: { email, password, role, name } },
    });
    // A retried setup finds them already made.
    expect([200, 409], await response.text()).toContain(response.status());
  }
});

for (const who of ['operator', 'restoreOperator', 'viewer', 'approver'] as const) {
  setup(`sign in as the ${who}`, async ({ browser }) => {
    const context = await browser.newContext({ storageState: undefined });
    await signInThroughThePage(await context.newPage(), who);
    await context.close();
  });
}
