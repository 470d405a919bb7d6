/**
 * A stored credential goes only where it is used (docs/security.md, "Where a stored secret may be
 * sent"), as an admin meets it on the Connections page: two fake Windows hosts started by this spec
 * on loopback, `bound` and `other` (another port, so another endpoint). The admin stores an account,
 * adds the host at `bound` with it, then fills the add form again with the same account and the
 * other address: the form says the account is used with `bound` only and asks for its password
 * before anything is sent; `other` sees no connection until the password is typed. Typed, the test
 * before saving reaches `other`, and the host is added; the account is then used with both.
 * What it leaves behind: no connection (both disconnected), one vault account named for this spec.
 */
import { expect, type Page, test } from '@playwright/test';
import { ADMIN, startFakeHost } from '../server/drivers/hyperv/hyperv-test-support';
import { trpcQuery } from './fixtures/backup-api';
import { storeAccount } from './fixtures/connections';
import { disconnectByName } from './fixtures/disconnect';

type FakeHost = Awaited<ReturnType<typeof startFakeHost>>;
let bound: FakeHost;
let other: FakeHost;
test.beforeAll(async () => {
  bound = await startFakeHost(4096);
  other = await startFakeHost(4096);
});
test.afterAll(async () => {
  await bound?.dispose();
  await other?.dispose();
});

const ACCOUNT = 'Bound HV admin';

test('a saved credential is sent to another address only once its password is typed again', async ({
  page,
}) => {
  test.setTimeout(120_000);
  const boundAt = `127.0.0.1:${bound.host.port}`;
  const otherAt = `127.0.0.1:${other.host.port}`;
  await page.goto('/admin/connections');
  await expect(page.getByRole('heading', { level: 1, name: 'Connections' })).toBeVisible();

  // The account, stored as an admin stores one: not used with any address yet.
  await storeAccount(page, { name: ACCOUNT, ...ADMIN });
  const accounts = page.getByRole('table', { name: 'Accounts in the vault' });
  const accountRow = accounts.getByRole('row').filter({ hasText: ACCOUNT });
  await expect(accountRow).toContainText('no address yet: the first connection saved with it binds it');

  // Its first connection binds it to the host's address; nothing is asked there.
  const form = page.getByRole('form', { name: 'Add a Hyper-V host' });
  const fill = async (name: string, port: number) => {
    await form.getByLabel('Host name in Migawka').fill(name);
    await form.getByLabel('Host address (OpenSSH server)').fill('127.0.0.1');
    await form.getByLabel('SSH port').fill(String(port));
    await form.getByLabel('Host account').selectOption({ label: `${ACCOUNT} (${ADMIN.username})` });
  };
  await fill('HV bound', bound.host.port);
  await expect(form.getByLabel(`Password of ${ACCOUNT}`)).toHaveCount(0);
  await form.getByRole('button', { name: 'Add host' }).click();
  await expect(page.getByText('Hyper-V host HV bound added')).toBeVisible();
  await expect(accountRow).toContainText(boundAt);

  // The same account at another address: the form says why and asks for the password, before any click.
  await fill('HV other', other.host.port);
  const password = form.getByLabel(`Password of ${ACCOUNT}`);
  await expect(password).toBeVisible();
  await expect(form).toContainText(
    `${ACCOUNT} is used with ${boundAt} only: the vault does not send a stored password to another address. Type it to use it with ${otherAt}.`,
  );
  // Asked to test without it, the form sends nothing: the other host sees no connection.
  await form.getByRole('button', { name: 'Test before saving' }).click();
  await expect(form.getByText(`Type the password of ${ACCOUNT} to use it with ${otherAt}`)).toBeVisible();
  expect(other.host.connections).toBe(0);
  // Nor does the server, asked directly (as a stolen session would): refused, in names.
  const refusal = await page.request.post('/api/trpc/hypervConnections.testDraft', {
    data: { json: { address: '127.0.0.1', port: other.host.port, hostAccountId: await accountId(page) } },
  });
  expect(refusal.status()).toBe(403);
  const { error } = (await refusal.json()) as { error: { json: { message: string } } };
  expect(error.json.message).toBe(
    `The saved credential "${ACCOUNT}" is used with ${boundAt} only; type its password to test against ${otherAt}. Nothing was sent to ${otherAt}.`,
  );
  expect(other.host.connections).toBe(0);
  expect(other.host.logins).toEqual([]);

  // Back at the bound address the field goes away; at the other one, typed, the test reaches it.
  await form.getByLabel('SSH port').fill(String(bound.host.port));
  await expect(password).toHaveCount(0);
  await form.getByLabel('SSH port').fill(String(other.host.port));
  await password.fill(ADMIN.password);
  await form.getByRole('button', { name: 'Test before saving' }).click();
  await expect(form.getByRole('status')).toContainText('Reachable and signed in: HV01');
  expect(other.host.logins.map((login) => login.username)).toContain(ADMIN.username);
  await form.getByRole('button', { name: 'Add host' }).click();
  await expect(page.getByText('Hyper-V host HV other added')).toBeVisible();
  await expect(accountRow).toContainText(boundAt);
  await expect(accountRow).toContainText(otherAt);

  // Both disconnected: the next spec starts with no Hyper-V host.
  for (const name of ['HV bound', 'HV other']) {
    await disconnectByName(page, page.getByRole('article', { name: `Hyper-V host ${name}` }), name);
  }
});

/** The vault account's id, as the form's select holds it. */
async function accountId(page: Page): Promise<string> {
  const listed = await trpcQuery<{ id: string; name: string }[]>(page, 'secrets.list', undefined);
  const found = listed.find((secret) => secret.name === ACCOUNT);
  if (!found) throw new Error(`no vault account ${ACCOUNT}`);
  return found.id;
}
