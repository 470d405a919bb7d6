/**
 * Account rules: the first admin only with the setup token and only once, the demo admin only on an
 * empty console, and the guard rails that keep the console manageable (nobody changes their own role
 * or disables themselves; the last enabled admin stays one).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { storeDialects } from '../../db/stores/contract/dialects';
import { type Auth, createAuth } from '../auth/auth';
import { type AccountDirectory, createAccountDirectory } from '../auth/directory';
import { forgetSetupToken, issueSetupToken } from '../auth/setup-token';
import { type Actor, createServiceContext, type ServiceContext } from '../context';
import { openEmptyOn } from '../test-rows';
import {
  changeRole,
  completeSetup,
  createAccount,
  ensureDemoAdmin,
  listMySessions,
  resetPassword,
  revokeMySession,
  setAccountDisabled,
} from './account-service';
import { DomainError } from './errors';

/** A signed-in admin as the service sees them. */
type Caller = { id: string; ctx: ServiceContext };

const silent = { info: () => {}, warn: () => {}, error: () => {}, debug: () => {} };
const PASSWORD = 'a-long-enough-password';

/** Ada and Bob, both admins (of the directory under test). */
function twoAdmins() {
  return Promise.all(
    ['ada', 'bob'].map((name) =>
      createAccount(accounts, createServiceContext({ log: silent }), {
        email: `${name}@example.test`,
        name,
        role: 'admin',
        password: PASSWORD,
      }),
    ),
  );
}

let auth: Auth;
let accounts: AccountDirectory;
let system: ServiceContext;

function as(user: { id: string; email: string; name: string; role: string | null }): ServiceContext {
  const actor = { kind: 'user', id: user.id, name: user.name, email: user.email, role: user.role } as Actor;
  return createServiceContext({ actor, log: silent });
}

async function failure(call: Promise<unknown>): Promise<DomainError> {
  const error = await call.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(DomainError);
  return error as DomainError;
}

const dialects = await storeDialects('accountservice');

describe.each(dialects)('$name', (dialect) => {
  describe.skipIf(dialect.skip !== null)('stores', () => {
    let close: () => Promise<void>;
    beforeEach(async () => {
      const opened = await openEmptyOn(dialect);
      close = opened.close;
      // A fixed signing key: nothing here signs a cookie, and no key file is written beside a database.
      auth = createAuth(opened.database, { secret: 's'.repeat(32), trustedProxy: false });
      accounts = createAccountDirectory(auth);
      system = createServiceContext({ log: silent });
      forgetSetupToken();
    });
    afterEach(async () => {
      await close();
    });

    describe('first run', () => {
      it('creates the first admin only with the issued token, once', async () => {
        const token = issueSetupToken();
        const input = { token: 'guess', email: 'Ada@Example.test', name: 'Ada', password: PASSWORD };
        const wrong = await failure(completeSetup(accounts, system, input));
        expect(wrong.fieldErrors).toEqual([
          { path: 'token', message: expect.stringContaining('server log') },
        ]);
        expect(await accounts.countUsers()).toBe(0);

        const short = await failure(completeSetup(accounts, system, { ...input, token, password: 'short' }));
        expect(short.fieldErrors.map((error) => error.path)).toEqual(['password']);

        const admin = await completeSetup(accounts, system, { ...input, token });
        expect(admin).toMatchObject({ email: 'ada@example.test', role: 'admin' });
        const again = await failure(
          completeSetup(accounts, system, { ...input, token, email: 'eve@example.test' }),
        );
        expect(again.code).toBe('CONFLICT');
        expect(await accounts.countUsers()).toBe(1);
      });

      it('creates the demo admin only while no account exists', async () => {
        expect(
          await ensureDemoAdmin(accounts, system, { email: 'demo@example.test', password: PASSWORD }),
        ).toBe(true);
        expect(
          await ensureDemoAdmin(accounts, system, { email: 'other@example.test', password: PASSWORD }),
        ).toBe(false);
        expect((await accounts.listUsers()).map((user) => [user.email, user.role])).toEqual([
          ['demo@example.test', 'admin'],
        ]);
      });

      it('two nodes starting at once create the demo admin once, and neither fails', async () => {
        const demo = { email: 'demo@example.test', password: PASSWORD };
        const created = await Promise.all([
          ensureDemoAdmin(accounts, system, demo),
          ensureDemoAdmin(accounts, system, demo),
        ]);
        expect(created.filter(Boolean)).toHaveLength(1);
        expect((await accounts.listUsers()).map((user) => user.email)).toEqual(['demo@example.test']);
      });
    });

    describe('administering users', () => {
      it('refuses a taken email, naming the field', async () => {
        await createAccount(accounts, system, {
          email: 'a@example.test',
          name: 'A',
          role: 'viewer',
          password: PASSWORD,
        });
        const taken = await failure(
          createAccount(accounts, system, {
            email: 'A@example.test',
            name: 'B',
            role: 'viewer',
            password: PASSWORD,
          }),
        );
        expect(taken).toMatchObject({
          code: 'CONFLICT',
          fieldErrors: [{ path: 'email', message: expect.any(String) }],
        });
      });

      it('keeps one enabled admin, and nobody changes their own role or disables themselves', async () => {
        const ada = await createAccount(accounts, system, {
          email: 'ada@example.test',
          name: 'Ada',
          role: 'admin',
          password: PASSWORD,
        });
        const bob = await createAccount(accounts, system, {
          email: 'bob@example.test',
          name: 'Bob',
          role: 'operator',
          password: PASSWORD,
        });
        const asAda = as(ada);

        expect((await failure(changeRole(accounts, asAda, { userId: ada.id, role: 'viewer' }))).code).toBe(
          'FORBIDDEN',
        );
        expect(
          (await failure(setAccountDisabled(accounts, asAda, { userId: ada.id, disabled: true }))).code,
        ).toBe('FORBIDDEN');
        // From outside (the command line acts as the system), the last admin is still protected.
        expect((await failure(changeRole(accounts, system, { userId: ada.id, role: 'viewer' }))).code).toBe(
          'PRECONDITION_FAILED',
        );
        expect(
          (await failure(setAccountDisabled(accounts, system, { userId: ada.id, disabled: true }))).code,
        ).toBe('PRECONDITION_FAILED');

        await changeRole(accounts, asAda, { userId: bob.id, role: 'admin' });
        await changeRole(accounts, as({ ...bob, role: 'admin' }), { userId: ada.id, role: 'viewer' });
        expect((await accounts.findUserById(ada.id))?.role).toBe('viewer');
        expect(
          (await failure(changeRole(accounts, system, { userId: bob.id, role: 'nobody' }))).fieldErrors[0]
            .path,
        ).toBe('role');
      });

      it.each([
        {
          name: 'two admins demote each other at once',
          second: (ada: Caller, bob: Caller) =>
            changeRole(accounts, bob.ctx, { userId: ada.id, role: 'viewer' }),
        },
        {
          name: 'one admin demotes the other while the other disables them',
          second: (ada: Caller, bob: Caller) =>
            setAccountDisabled(accounts, bob.ctx, { userId: ada.id, disabled: true }),
        },
      ])('$name: one change lands, the other is refused, an enabled admin remains', async ({ second }) => {
        const [ada, bob] = (await twoAdmins()).map((user) => ({ id: user.id, ctx: as(user) }));
        // Both start before either has written: each alone would see another enabled admin.
        const outcomes = await Promise.allSettled([
          changeRole(accounts, ada.ctx, { userId: bob.id, role: 'viewer' }),
          second(ada, bob),
        ]);
        expect(outcomes.map((outcome) => outcome.status).sort()).toEqual(['fulfilled', 'rejected']);
        const refused = outcomes.find((outcome) => outcome.status === 'rejected');
        expect(refused?.status === 'rejected' && refused.reason).toMatchObject({
          code: 'PRECONDITION_FAILED',
        });
        const admins = (await accounts.listUsers()).filter((user) => user.role === 'admin' && !user.disabled);
        expect(admins).toHaveLength(1);
      });

      it('two processes demote each other at once: neither leaves the console without an enabled admin', async () => {
        // A second directory over the same database stands for a second console process: nothing in
        // this process serializes the two, so each change is checked again once written.
        const otherProcess = createAccountDirectory(auth);
        const [ada, bob] = await twoAdmins();
        const outcomes = await Promise.allSettled([
          changeRole(accounts, as(ada), { userId: bob.id, role: 'viewer' }),
          changeRole(otherProcess, as(bob), { userId: ada.id, role: 'viewer' }),
        ]);
        const refused = outcomes.filter((outcome) => outcome.status === 'rejected');
        expect(refused.length).toBeGreaterThan(0);
        for (const outcome of refused) expect(outcome.reason).toMatchObject({ code: 'PRECONDITION_FAILED' });
        const admins = (await accounts.listUsers()).filter((user) => user.role === 'admin' && !user.disabled);
        expect(admins.length).toBe(2 - (outcomes.length - refused.length));
      });

      it('a password reset lifts a lockout', async () => {
        const bob = await createAccount(accounts, system, {
          email: 'bob@example.test',
          name: 'Bob',
          role: 'viewer',
          password: PASSWORD,
        });
        await accounts.updateUser(bob.id, {
          failedSignIns: 0,
          lockedUntil: new Date('2999-01-01T00:00:00Z'),
        });
        await resetPassword(accounts, system, { userId: bob.id, password: 'another-long-password' });
        expect(await accounts.findUserById(bob.id)).toMatchObject({ failedSignIns: 0, lockedUntil: null });
      });
    });

    describe('my sessions', () => {
      it('lists and revokes only my own sessions', async () => {
        const ada = await createAccount(accounts, system, {
          email: 'ada@example.test',
          name: 'Ada',
          role: 'viewer',
          password: PASSWORD,
        });
        const bob = await createAccount(accounts, system, {
          email: 'bob@example.test',
          name: 'Bob',
          role: 'viewer',
          password: PASSWORD,
        });
        const library = (await auth.$context).internalAdapter;
        const adas = await library.createSession(ada.id);
        const bobs = await library.createSession(bob.id);

        const mine = await listMySessions(accounts, as(ada), adas.id);
        expect(mine.map((session) => [session.id, session.current])).toEqual([[adas.id, true]]);
        expect(JSON.stringify(mine)).not.toContain(adas.token);

        const refused = await failure(revokeMySession(accounts, as(ada), { sessionId: bobs.id }));
        expect(refused.code).toBe('NOT_FOUND');
        expect(await accounts.listSessions(bob.id)).toHaveLength(1);
        await revokeMySession(accounts, as(ada), { sessionId: adas.id });
        expect(await accounts.listSessions(ada.id)).toEqual([]);
      });
    });
  });
});
