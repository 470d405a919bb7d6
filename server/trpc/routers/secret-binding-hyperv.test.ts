/**
 * A stored Hyper-V credential goes only where it is used (server/engine/secret-binding.ts), as an
 * admin calls the procedures, against two fake Windows hosts over real SSH: `bound`, the host a
 * saved connection signs in to with "hv-admin", and `other`, another address (another port of
 * loopback) an admin — or whoever holds an admin's session — types. A test before saving and a
 * save are refused there unless the password is typed again, and a refused request reaches
 * nothing: `other` sees no connection and no login attempt. What was typed is what is sent.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ProcessDatabase } from '../../../db/process-database';
import { storeDialects } from '../../../db/stores/contract/dialects';
import { GUEST_PASSWORD, GUEST_USER } from '../../drivers/hyperv/fake/fake-estate';
import { ADMIN, startFakeHost } from '../../drivers/hyperv/hyperv-test-support';
import { openEmptyOn } from '../../test-rows';
import { fourEyesOffFor, rejectionOf, signedIn } from '../../test-support';
import { fieldErrorsOf } from '../init';
import { createCaller } from '../root';

const dialects = await storeDialects('routersecretbinding');

type FakeHost = Awaited<ReturnType<typeof startFakeHost>>;
type Where = 'bound' | 'other';
/** What the admin typed again: the host account's password, the guest account's (null: not typed). */
type Typed = { host: string | null; guest: string | null };
const NOTHING_TYPED: Typed = { host: null, guest: null };

/** `refused`: the field errors' paths, and what the message says. */
type Outcome = { ok: true } | { ok: false; signIn: 'refused-by-host' } | { refused: string[]; says: RegExp };

const DRAFT_TESTS: { behaviour: string; where: Where; withGuest: boolean; typed: Typed; outcome: Outcome }[] =
  [
    {
      behaviour: 'at the address it is used with, the vault’s values are sent',
      where: 'bound',
      withGuest: true,
      typed: NOTHING_TYPED,
      outcome: { ok: true },
    },
    {
      behaviour: 'at another address it is refused, in names, and nothing reaches that host',
      where: 'other',
      withGuest: false,
      typed: NOTHING_TYPED,
      outcome: {
        refused: ['hostAccountSecret'],
        says: /^The saved credential "hv-admin" is used with 127\.0\.0\.1:\d+ only; type its password to test against 127\.0\.0\.1:\d+\. Nothing was sent to 127\.0\.0\.1:\d+\.$/,
      },
    },
    {
      behaviour: 'the guest account is refused too: the host would receive it for PowerShell Direct',
      where: 'other',
      withGuest: true,
      typed: { host: ADMIN.password, guest: null },
      outcome: { refused: ['guestAccountSecret'], says: /^The saved credential "sql01 guest" is used with/ },
    },
    {
      behaviour: 'at another address with the passwords typed again, what was typed is sent',
      where: 'other',
      withGuest: true,
      typed: { host: ADMIN.password, guest: GUEST_PASSWORD },
      outcome: { ok: true },
    },
    {
      behaviour: 'a wrong password typed again is what the host is sent, and it refuses the login',
      where: 'other',
      withGuest: false,
      typed: { host: 'not-the-password', guest: null },
      outcome: { ok: false, signIn: 'refused-by-host' },
    },
  ];

const SAVES: { behaviour: string; where: Where; typed: string | null; outcome: Outcome }[] = [
  {
    behaviour: 'saving another connection at the address it is used with',
    where: 'bound',
    typed: null,
    outcome: { ok: true },
  },
  {
    behaviour: 'saving at another address is refused, and nothing is saved',
    where: 'other',
    typed: null,
    outcome: {
      refused: ['hostAccountSecret'],
      says: /^The saved credential "hv-admin" is used with 127\.0\.0\.1:\d+ only; type its password to use it with 127\.0\.0\.1:\d+\. Nothing was saved or sent/,
    },
  },
  {
    behaviour: 'a typed password that is not the stored one binds nothing, and nothing is saved',
    where: 'other',
    typed: 'a guess',
    outcome: {
      refused: ['hostAccountSecret'],
      says: /^The password typed for "hv-admin" is not the one stored in the vault, so it is not used with 127\.0\.0\.1:\d+/,
    },
  },
  {
    behaviour: 'the stored password typed again saves the connection, and binds the credential there too',
    where: 'other',
    typed: ADMIN.password,
    outcome: { ok: true },
  },
];

describe.each(dialects)('$name', (dialect) => {
  describe.skipIf(dialect.skip !== null)('stores', () => {
    let db: ProcessDatabase;
    let closeDb: () => Promise<void>;
    let hosts: Record<Where, FakeHost>;
    beforeEach(async () => {
      ({ database: db, close: closeDb } = await openEmptyOn(dialect));
      hosts = { bound: await startFakeHost(4096), other: await startFakeHost(4096) };
    });
    afterEach(async () => {
      await hosts.bound.dispose();
      await hosts.other.dispose();
      await closeDb();
    });

    /** "hv-admin" and "sql01 guest" in the vault, used by the saved connection hv-01 at `bound`. */
    async function savedConnection() {
      const caller = createCaller(signedIn(db));
      const store = (name: string, username: string, secret: string) =>
        caller.secrets.create({ name, kind: 'password', username, secret });
      const hvAdmin = await store('hv-admin', ADMIN.username, ADMIN.password);
      const guest = await store('sql01 guest', GUEST_USER, GUEST_PASSWORD);
      const saved = await caller.hypervConnections.add({
        name: 'hv-01',
        address: '127.0.0.1',
        port: hosts.bound.host.port,
        hostAccountId: hvAdmin.id,
        guestAccountId: guest.id,
      });
      return { caller, hvAdmin, guest, saved };
    }

    const endpointOf = (where: Where) => `127.0.0.1:${hosts[where].host.port}`;

    async function expectRefused(
      call: () => Promise<unknown>,
      outcome: Extract<Outcome, { refused: string[] }>,
    ) {
      const error = await rejectionOf(call);
      expect(error.code).toBe('FORBIDDEN');
      expect(error.message).toMatch(outcome.says);
      expect(fieldErrorsOf(error).map((field) => field.path)).toEqual(outcome.refused);
      // Nothing was sent: the host at the other address saw no connection, let alone a login.
      expect(hosts.other.host.connections).toBe(0);
      expect(hosts.other.host.logins).toEqual([]);
      return error;
    }

    describe('a test before saving', () => {
      it.each(DRAFT_TESTS)('$behaviour', async ({ where, withGuest, typed, outcome }) => {
        const { caller, hvAdmin, guest } = await savedConnection();
        const draft = () =>
          caller.hypervConnections.testDraft({
            address: '127.0.0.1',
            port: hosts[where].host.port,
            hostAccountId: hvAdmin.id,
            guestAccountId: withGuest ? guest.id : null,
            hostAccountSecret: typed.host,
            guestAccountSecret: typed.guest,
          });
        if ('refused' in outcome) {
          const error = await expectRefused(draft, outcome);
          // Recorded as every refused mutation is: the message, the input without what was typed.
          const [entry] = (await caller.audit.list({ limit: 1 })).items;
          expect(entry).toMatchObject({
            action: 'hypervConnections.testDraft',
            outcome: 'refused',
            message: error.message,
          });
          expect(JSON.stringify(entry)).not.toContain(ADMIN.password);
          return;
        }
        const result = await draft();
        expect(hosts[where].host.logins.map((login) => login.username)).toContain(ADMIN.username);
        if (outcome.ok) expect(result).toMatchObject({ ok: true, computerName: 'HV01', vmCount: 3 });
        else
          expect(result).toMatchObject({ ok: false, message: expect.stringContaining('refused the login') });
      });

      it('a credential no connection was saved with yet goes to the first address it is tested at', async () => {
        const caller = createCaller(signedIn(db));
        const fresh = await caller.secrets.create({
          name: 'new admin',
          kind: 'password',
          username: ADMIN.username,
          secret: ADMIN.password,
        });
        const draft = { address: '127.0.0.1', port: hosts.other.host.port, hostAccountId: fresh.id };
        expect(await caller.hypervConnections.testDraft(draft)).toMatchObject({ ok: true });
      });

      it('a disconnect keeps the binding: the credential still goes only where it was used', async () => {
        const { caller, hvAdmin } = await savedConnection();
        const [saved] = await caller.hypervConnections.list();
        await fourEyesOffFor(signedIn(db), 'disconnect');
        expect(await caller.hypervConnections.remove({ id: saved.id, confirmation: 'hv-01' })).toEqual({
          name: 'hv-01',
        });
        const listed = (await caller.secrets.list()).find((secret) => secret.name === 'hv-admin');
        expect(listed?.usedWith).toEqual([endpointOf('bound')]);
        await expectRefused(
          () =>
            caller.hypervConnections.testDraft({
              address: '127.0.0.1',
              port: hosts.other.host.port,
              hostAccountId: hvAdmin.id,
            }),
          { refused: ['hostAccountSecret'], says: /^The saved credential "hv-admin" is used with/ },
        );
      });
    });

    describe('saving a connection', () => {
      it.each(SAVES)('$behaviour', async ({ where, typed, outcome }) => {
        const { caller, hvAdmin } = await savedConnection();
        const save = () =>
          caller.hypervConnections.add({
            name: 'hv-02',
            address: '127.0.0.1',
            port: hosts[where].host.port,
            hostAccountId: hvAdmin.id,
            hostAccountSecret: typed,
          });
        if ('refused' in outcome) {
          await expectRefused(save, outcome);
          expect((await caller.hypervConnections.list()).map((host) => host.name)).toEqual(['hv-01']);
          const listed = (await caller.secrets.list()).find((secret) => secret.name === 'hv-admin');
          expect(listed?.usedWith).toEqual([endpointOf('bound')]);
          return;
        }
        const added = await save();
        const listed = (await caller.secrets.list()).find((secret) => secret.name === 'hv-admin');
        expect(listed?.usedWith).toEqual([...new Set([endpointOf('bound'), endpointOf(where)])].sort());
        // The saved connection signs in with the vault's value where it now is used.
        expect(await caller.hypervConnections.test({ id: added.id })).toMatchObject({ ok: true });
        expect(hosts[where].host.logins.map((login) => login.username)).toContain(ADMIN.username);
        // And the next test before saving there needs nothing typed.
        const draft = { address: '127.0.0.1', port: hosts[where].host.port, hostAccountId: hvAdmin.id };
        expect(await caller.hypervConnections.testDraft(draft)).toMatchObject({ ok: true });
      });
    });
  });
});
