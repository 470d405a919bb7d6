/**
 * Users and sessions as people use them: an admin creates a user on the Users page, changes their
 * role, resets their password and disables them, each seen at once in the user's own browser; a
 * user ends another browser's session from My sessions. (Named to run after audit.spec.ts, whose
 * filters expect no refused sign-in before its own.)
 */
import { type Browser, expect, type Page, test } from '@playwright/test';

async function signInAs(browser: Browser, email: string, password: string): Promise<Page> {
  const context = await browser.newContext({ storageState: { cookies: [], origins: [] } });
  const page = await context.newPage();
  await page.goto('/sign-in');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  // Hashing the password (scrypt) is slow on a busy machine.
  await expect(page.getByRole('region', { name: 'Signed-in user' })).toBeVisible({ timeout: 60_000 });
  return page;
}

function toast(page: Page, text: string) {
  return page.locator('[data-sonner-toast]').filter({ hasText: text });
}

test('an admin creates a user, changes their role, resets their password and disables them', async ({
  page,
  browser,
}) => {
  test.setTimeout(240_000);
  const email = 'paula@e2e.test';
  await page.goto('/admin/users');
  const form = page.getByRole('form', { name: 'Create a user' });
  await form.getByLabel('Name').fill('Paula Person');
  await form.getByLabel('Email').fill(email);
  await form.getByLabel('Role').selectOption('operator');
  await form.getByLabel('First password (12+ characters)').fill('paula-first-password');
  await form.getByRole('button', { name: 'Create user' }).click();
  await expect(toast(page, `Created ${email} (Operator)`)).toBeVisible();
  const users = page.getByRole('table', { name: 'Users' });
  await expect(users.getByRole('row').filter({ hasText: email })).toContainText('active');

  const paula = await signInAs(browser, email, 'paula-first-password');
  const paulaRegion = paula.getByRole('region', { name: 'Signed-in user' });
  await expect(paulaRegion).toContainText('Operator');

  // A new role applies to the user's next request.
  // Picking a role changes nothing until the change is confirmed, saying what the user may then do.
  await page.getByLabel(`Role of ${email}`).selectOption('viewer');
  const row = users.getByRole('row').filter({ hasText: email });
  await row.getByRole('button', { name: 'Change role' }).click();
  const roleChange = page.getByRole('alertdialog', { name: `Make ${email} Viewer?` });
  await expect(roleChange).toContainText(
    'From their next request, Paula Person is Viewer: reads everything, changes nothing.',
  );
  await roleChange.getByRole('button', { name: 'Change role' }).click();
  await expect(toast(page, `${email} is now Viewer`)).toBeVisible();
  await expect(row.getByRole('button', { name: 'Change role' })).toHaveCount(0);
  await paula.reload();
  await expect(paulaRegion).toContainText('Viewer');

  // A password reset signs the user out everywhere; the new password works.
  await row.getByRole('button', { name: 'Reset password' }).click();
  await row.getByLabel(`New password for ${email}`).fill('paula-second-password');
  await row.getByRole('button', { name: 'Set' }).click();
  await expect(toast(page, `New password set for ${email}`)).toBeVisible();
  await paula.reload();
  await expect(paula).toHaveURL(/\/sign-in/);
  await paula.context().close();
  const again = await signInAs(browser, email, 'paula-second-password');

  // Disabling signs them out and keeps them out.
  await row.getByRole('button', { name: `Disable ${email}` }).click();
  const disable = page.getByRole('alertdialog', { name: `Disable ${email}?` });
  await expect(disable).toContainText('is signed out everywhere at once');
  await disable.getByRole('button', { name: 'Disable user' }).click();
  await expect(toast(page, `${email} disabled and signed out`)).toBeVisible();
  await expect(row).toContainText('disabled');
  await again.reload();
  await expect(again).toHaveURL(/\/sign-in/);
  await again.getByLabel('Email').fill(email);
  await again.getByLabel('Password').fill('paula-second-password');
  await again.getByRole('button', { name: 'Sign in' }).click();
  await expect(again.getByRole('alert', { name: 'Sign-in error' })).toBeVisible({ timeout: 60_000 });
  await again.context().close();

  // Each change is in the audit trail, by the admin.
  await page.goto('/audit?action=users.');
  const entries = page.getByRole('table', { name: 'Audit entries, newest first' });
  for (const action of ['users.setDisabled', 'users.resetPassword', 'users.setRole', 'users.create']) {
    await expect(entries.getByRole('row').filter({ hasText: action }).first()).toBeVisible();
  }
});

test('a user ends the session of another browser from My sessions', async ({ page, browser, baseURL }) => {
  test.setTimeout(180_000);
  const email = 'sam@e2e.test';
  const password = 'sam-session-password';
  const created = await page.request.post('/api/trpc/users.create', {
    headers: { origin: baseURL ?? '' },
    data: { json: { email, password, role: 'viewer', name: 'Sam Sessions' } },
  });
  expect([200, 409], await created.text()).toContain(created.status());

  const laptop = await signInAs(browser, email, password);
  const phone = await signInAs(browser, email, password);
  await laptop.goto('/account/sessions');
  const sessions = laptop.getByRole('table', { name: 'My sessions' });
  await expect(sessions.getByRole('row')).toHaveCount(3); // header + two browsers
  await expect(sessions.getByRole('row').filter({ hasText: 'this browser' })).toHaveCount(1);
  await sessions
    .getByRole('row')
    .filter({ hasNotText: 'this browser' })
    .filter({ has: laptop.getByRole('button', { name: 'End session' }) })
    .getByRole('button', { name: 'End session' })
    .click();
  await expect(toast(laptop, 'Session ended')).toBeVisible();
  await expect(sessions.getByRole('row')).toHaveCount(2);

  await phone.reload();
  await expect(phone).toHaveURL(/\/sign-in/);
  await laptop.reload();
  await expect(laptop.getByRole('region', { name: 'Signed-in user' })).toContainText('Sam Sessions');
  await laptop.context().close();
  await phone.context().close();
});
