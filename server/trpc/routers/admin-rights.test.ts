/**
 * Four-eyes over who is an admin (`change-admins`), through the users procedures on both stores:
 * every change that makes, removes, disables or enables an admin, or sets another admin's password,
 * waits for a second admin while one exists; every other change to a user runs at once. A request
 * keeps only the hash of the password it would set, and that password signs in once approved. The
 * only admin of a console still adds the second alone.
 */
import { verifyPassword } from 'better-auth/crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { storeDialects } from '../../../db/stores/contract/dialects';
import { insertAccounts } from '../../test-rows';
import { person, rejectionOf } from '../../test-support';
import type { Principal } from '../init';
import { ADA, callerFor, lab, OTTO, openApprovalsLab, RITA, requestOf, T0 } from './approvals-test-support';

const dialects = await storeDialects('admin_rights');

/** An admin who was disabled, and a viewer. */
const DORA = person('dora', 'Dora Dormant', 'admin');
const VERA = person('vera', 'Vera Viewer', 'viewer');
const PASSWORD = 'a new long enough password';

type Caller = ReturnType<typeof callerFor>;

const userRow = async (principal: Principal) =>
  (await lab.rows.all('user')).find((user) => user.id === principal.user.id);
const userByEmail = async (email: string) =>
  (await lab.rows.all('user')).find((user) => user.email === email);
const credentialOf = async (userId: string) =>
  (await lab.rows.all('account')).find((account) => account.userId === userId)?.password ?? null;

interface Change {
  what: string;
  ask: (caller: Caller) => Promise<unknown>;
  /** Whether the change is in place. */
  done: () => Promise<boolean>;
}

const CREATE_ADMIN: Change = {
  what: 'a new admin account',
  ask: (caller) =>
    caller.users.create({ email: 'nina@migawka.test', name: 'Nina New', role: 'admin', password: PASSWORD }),
  done: async () => (await userByEmail('nina@migawka.test'))?.role === 'admin',
};

/** Rita (admin) asks; Ada (admin) could approve. [change, waits for a second admin] */
const CHANGES: [Change, boolean][] = [
  [CREATE_ADMIN, true],
  [
    {
      what: 'a new operator account',
      ask: (caller) =>
        caller.users.create({
          email: 'olaf@migawka.test',
          name: 'Olaf',
          role: 'operator',
          password: PASSWORD,
        }),
      done: async () => (await userByEmail('olaf@migawka.test'))?.role === 'operator',
    },
    false,
  ],
  [
    {
      what: 'a restore operator made admin',
      ask: (caller) => caller.users.setRole({ userId: OTTO.user.id, role: 'admin' }),
      done: async () => (await userRow(OTTO))?.role === 'admin',
    },
    true,
  ],
  [
    {
      what: 'a restore operator made operator',
      ask: (caller) => caller.users.setRole({ userId: OTTO.user.id, role: 'operator' }),
      done: async () => (await userRow(OTTO))?.role === 'operator',
    },
    false,
  ],
  [
    {
      what: 'the admin role taken from another admin',
      ask: (caller) => caller.users.setRole({ userId: ADA.user.id, role: 'viewer' }),
      done: async () => (await userRow(ADA))?.role === 'viewer',
    },
    true,
  ],
  [
    {
      what: 'another admin disabled',
      ask: (caller) => caller.users.setDisabled({ userId: ADA.user.id, disabled: true }),
      done: async () => (await userRow(ADA))?.banned === true,
    },
    true,
  ],
  [
    {
      what: 'a disabled admin enabled',
      ask: (caller) => caller.users.setDisabled({ userId: DORA.user.id, disabled: false }),
      done: async () => (await userRow(DORA))?.banned === false,
    },
    true,
  ],
  [
    {
      what: 'a viewer disabled',
      ask: (caller) => caller.users.setDisabled({ userId: VERA.user.id, disabled: true }),
      done: async () => (await userRow(VERA))?.banned === true,
    },
    false,
  ],
  [
    {
      what: "another admin's password",
      ask: (caller) => caller.users.resetPassword({ userId: ADA.user.id, password: PASSWORD }),
      done: async () => (await credentialOf(ADA.user.id)) !== null,
    },
    true,
  ],
  [
    {
      what: "a viewer's password",
      ask: (caller) => caller.users.resetPassword({ userId: VERA.user.id, password: PASSWORD }),
      done: async () => (await credentialOf(VERA.user.id)) !== null,
    },
    false,
  ],
  [
    {
      what: 'her own password',
      ask: (caller) => caller.users.resetPassword({ userId: RITA.user.id, password: PASSWORD }),
      done: async () => (await credentialOf(RITA.user.id)) !== null,
    },
    false,
  ],
];

describe.each(dialects)('$name', (dialect) => {
  describe.skipIf(dialect.skip !== null)('stores', () => {
    let close: () => Promise<void>;
    beforeEach(async () => {
      close = await openApprovalsLab(dialect);
      await insertAccounts(lab.rows, T0, DORA, VERA);
      await lab.rows.update('user', DORA.user.id, { banned: true });
    });
    afterEach(() => close());

    describe.each(CHANGES)('change-admins: $what', (change, waits) => {
      it(waits ? 'waits for a second admin, then runs once approved' : 'runs at once', async () => {
        const answer = await change.ask(callerFor(RITA));
        if (!waits) {
          expect(answer).not.toHaveProperty('approvalRequest');
          expect(await change.done()).toBe(true);
          return;
        }
        const request = requestOf(answer);
        expect(request).toMatchObject({ kind: 'change-admins', status: 'pending' });
        expect(await change.done()).toBe(false);
        expect((await rejectionOf(() => callerFor(RITA).approvals.approve({ id: request.id }))).code).toBe(
          'FORBIDDEN',
        );
        expect((await callerFor(ADA).approvals.approve({ id: request.id })).status).toBe('approved');
        expect(await change.done()).toBe(true);
      });
    });

    it('keeps only a hash of the password, and the approved password signs in', async () => {
      const request = requestOf(await CREATE_ADMIN.ask(callerFor(RITA)));
      const stored = JSON.stringify((await lab.rows.all('approvalRequests'))[0]);
      expect(stored).not.toContain(PASSWORD);
      expect(request.preview).toMatchObject({ kind: 'change-admins', user: { name: 'Nina New' } });
      await callerFor(ADA).approvals.approve({ id: request.id });
      const nina = await userByEmail('nina@migawka.test');
      const hash = await credentialOf(nina?.id ?? '');
      expect(hash).not.toBeNull();
      expect(await verifyPassword({ hash: hash ?? '', password: PASSWORD })).toBe(true);
      expect(await verifyPassword({ hash: hash ?? '', password: 'not the password' })).toBe(false);
    });

    it('names the account and what it gives to the approver', async () => {
      const request = requestOf(
        await callerFor(RITA).users.resetPassword({ userId: ADA.user.id, password: PASSWORD }),
      );
      expect(request.title).toBe('Set a new password for the admin ada@migawka.test');
      expect(JSON.stringify(request.preview)).toMatch(
        /Ada Approver.*whoever knows it signs in as that admin/,
      );
    });

    it('the admin a change takes away may approve it: they agree to it', async () => {
      const request = requestOf(
        await callerFor(RITA).users.setRole({ userId: ADA.user.id, role: 'operator' }),
      );
      await callerFor(ADA).approvals.approve({ id: request.id });
      expect((await userRow(ADA))?.role).toBe('operator');
    });

    it('the only enabled admin makes the second one alone: nobody else could approve it', async () => {
      await lab.rows.update('user', ADA.user.id, { banned: true });
      const answer = await callerFor(RITA).users.setRole({ userId: OTTO.user.id, role: 'admin' });
      expect(answer).not.toHaveProperty('approvalRequest');
      expect((await userRow(OTTO))?.role).toBe('admin');
    });

    it('an approval after the account changed is refused and changes nothing', async () => {
      const request = requestOf(
        await callerFor(RITA).users.setDisabled({ userId: ADA.user.id, disabled: true }),
      );
      // Ada is no admin by now; Dora, enabled again, decides.
      await lab.rows.update('user', ADA.user.id, { role: 'operator' });
      await lab.rows.update('user', DORA.user.id, { banned: false });
      const error = await rejectionOf(() => callerFor(DORA).approvals.approve({ id: request.id }));
      expect(error.code).toBe('CONFLICT');
      expect(error.message).toMatch(/^The estate changed since this request was made/);
      expect((await userRow(ADA))?.banned).toBeFalsy();
    });

    it('refuses one’s own role as before, whatever four-eyes says', async () => {
      const error = await rejectionOf(() =>
        callerFor(RITA).users.setRole({ userId: RITA.user.id, role: 'viewer' }),
      );
      expect(error.code).toBe('FORBIDDEN');
      expect((await lab.rows.all('approvalRequests')).length).toBe(0);
    });
  });
});
