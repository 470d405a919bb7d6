/**
 * A stored XenServer, ONTAP or EqualLogic credential goes only where it is used
 * (server/engine/secret-binding.ts), as an admin calls the procedures, against two fakes of each
 * connector over their real transports (XAPI over HTTPS, ONTAP REST over HTTPS, the EqualLogic CLI
 * over SSH): `bound`, where a saved connection signs in with the credential, and `other`, another
 * address. Saving a connection at `other` with the stored credential is refused unless its
 * password is typed again, and the refused request reaches nothing: `other` sees no request or
 * login. Typed again, the connection is saved and signs in there. A pool's SSH accounts follow the
 * same rule: another pool is given a credential bound elsewhere only with its password typed.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ProcessDatabase } from '../../../db/process-database';
import { storeDialects } from '../../../db/stores/contract/dialects';
import { FakeEqlGroup } from '../../drivers/equallogic/fake/fake-eql-group';
import { startFakeCluster } from '../../drivers/ontap/ontap-test-support';
import { fixturePool } from '../../drivers/xapi/fake/fake-fixtures';
import { startFakeXapi } from '../../drivers/xapi/fake/fake-xapi-server';
import { openEmptyOn } from '../../test-rows';
import { rejectionOf, signedIn } from '../../test-support';
import { fieldErrorsOf } from '../init';
import { createCaller } from '../root';

const dialects = await storeDialects('routersecretconnectors');

type Caller = ReturnType<typeof createCaller>;
type Where = 'bound' | 'other';

/** One fake of a connector: its address, and every request or login it received so far. */
interface Fake {
  address: string;
  seen(): string[];
  stop(): Promise<void>;
}

/** A connector as the table drives it: its fakes, its account, and its add and test procedures. */
interface Connector {
  name: string;
  account: { username: string; password: string };
  start(): Promise<Fake>;
  add(
    caller: Caller,
    input: { name: string; address: string; secretId: string; typed: string | null },
  ): Promise<{ id: string }>;
  /** The saved connection's test, true when it signed in and read the array or pool. */
  test(caller: Caller, id: string): Promise<boolean>;
  /** The field of the value typed again. */
  typedField: string;
}

const CONNECTORS: Connector[] = [
  {
    name: 'XenServer pool',
    account: { username: 'root', password: 's3cret' },
    async start() {
      const fake = await startFakeXapi({ pool: fixturePool().pool });
      return { address: fake.address(), seen: () => [...fake.calls], stop: () => fake.stop() };
    },
    add: (caller, { name, address, secretId, typed }) =>
      caller.xapiPools.add({ name, address, secretId, secret: typed }),
    test: async (caller, id) => (await caller.xapiPools.test({ id })).ok,
    typedField: 'secret',
  },
  {
    name: 'ONTAP cluster',
    account: { username: 'admin', password: 'netapp1!' },
    async start() {
      const cluster = await startFakeCluster();
      return {
        address: cluster.server.address,
        seen: () => [...cluster.server.calls],
        stop: () => cluster.stop(),
      };
    },
    add: (caller, { name, address, secretId, typed }) =>
      caller.arrayConnections.addOntap({ name, address, accountId: secretId, accountSecret: typed }),
    test: async (caller, id) => (await caller.arrayConnections.test({ id })).ok,
    typedField: 'accountSecret',
  },
  {
    name: 'EqualLogic group',
    account: { username: 'grpadmin', password: 'eql-pass' },
    async start() {
      const group = new FakeEqlGroup();
      group.addVolume('vmfs01', 4096);
      await group.start();
      return {
        address: `127.0.0.1:${group.port}`,
        seen: () => group.logins.map((login) => `${login.method} ${login.username}`),
        stop: () => group.stop(),
      };
    },
    add: (caller, { name, address, secretId, typed }) =>
      caller.arrayConnections.addEqualLogic({ name, address, accountId: secretId, accountSecret: typed }),
    test: async (caller, id) => (await caller.arrayConnections.test({ id })).ok,
    typedField: 'accountSecret',
  },
];

const SAVES: {
  behaviour: string;
  where: Where;
  typed: 'nothing' | 'the password' | 'a guess';
  refusal: RegExp | null;
}[] = [
  { behaviour: 'saved at the address it is used with', where: 'bound', typed: 'nothing', refusal: null },
  {
    behaviour: 'refused at another address, naming the credential, and nothing reaches it',
    where: 'other',
    typed: 'nothing',
    refusal:
      /^The saved credential "account" is used with 127\.0\.0\.1:\d+ only; type its password to use it with 127\.0\.0\.1:\d+\. Nothing was saved or sent to 127\.0\.0\.1:\d+\.$/,
  },
  {
    behaviour: 'refused at another address with a wrong password typed, and nothing reaches it',
    where: 'other',
    typed: 'a guess',
    refusal: /^The password typed for "account" is not the one stored in the vault/,
  },
  {
    behaviour: 'saved at another address with its password typed again, and signs in there',
    where: 'other',
    typed: 'the password',
    refusal: null,
  },
];

describe.each(dialects)('$name', (dialect) => {
  describe.skipIf(dialect.skip !== null)('stores', () => {
    let db: ProcessDatabase;
    let closeDb: () => Promise<void>;
    const stops: (() => Promise<void>)[] = [];
    beforeEach(async () => {
      ({ database: db, close: closeDb } = await openEmptyOn(dialect));
    });
    afterEach(async () => {
      for (const stop of stops.splice(0)) await stop();
      await closeDb();
    });

    async function started(connector: Connector): Promise<Record<Where, Fake>> {
      const fakes = { bound: await connector.start(), other: await connector.start() };
      stops.push(fakes.bound.stop, fakes.other.stop);
      return fakes;
    }

    describe.each(CONNECTORS)('a $name', (connector) => {
      it.each(SAVES)('$behaviour', async ({ where, typed, refusal }) => {
        const fakes = await started(connector);
        const caller = createCaller(signedIn(db));
        const { username, password } = connector.account;
        const account = await caller.secrets.create({
          name: 'account',
          kind: 'password',
          username,
          secret: password,
        });
        await connector.add(caller, {
          name: 'first',
          address: fakes.bound.address,
          secretId: account.id,
          typed: null,
        });
        const save = () =>
          connector.add(caller, {
            name: 'second',
            address: fakes[where].address,
            secretId: account.id,
            typed: typed === 'nothing' ? null : typed === 'a guess' ? 'guess' : password,
          });
        const usedWith = async () =>
          (await caller.secrets.list()).find((secret) => secret.id === account.id)?.usedWith;
        if (refusal) {
          const error = await rejectionOf(save);
          expect([error.code, error.message]).toEqual(['FORBIDDEN', expect.stringMatching(refusal)]);
          expect(fieldErrorsOf(error).map((field) => field.path)).toEqual([connector.typedField]);
          expect(fakes.other.seen()).toEqual([]);
          expect(await usedWith()).toEqual([fakes.bound.address]);
          const [entry] = (await caller.audit.list({ limit: 1 })).items;
          expect([entry.outcome, entry.message]).toEqual(['refused', error.message]);
          return;
        }
        const second = await save();
        expect(await usedWith()).toEqual([...new Set([fakes.bound.address, fakes[where].address])].sort());
        expect(await connector.test(caller, second.id)).toBe(true);
        expect(fakes[where].seen()).not.toEqual([]);
      });
    });

    describe("a pool's SSH accounts", () => {
      it.each([
        {
          behaviour: 'another pool gets a guest account used elsewhere only with its password typed',
          typed: false,
        },
        {
          behaviour: 'another pool gets a guest account used elsewhere with its password typed',
          typed: true,
        },
      ])('$behaviour', async ({ typed }) => {
        const fakes = await started(CONNECTORS[0]);
        const caller = createCaller(signedIn(db));
        const store = (name: string, username: string, secret: string) =>
          caller.secrets.create({ name, kind: 'password', username, secret });
        const root = await store('pool root', 'root', 's3cret');
        const guests = await store('linux guests', 'backup', 'g-s3cret');
        await caller.xapiPools.add({
          name: 'pool-a',
          address: fakes.bound.address,
          secretId: root.id,
          guestSecretId: guests.id,
        });
        // pool-b signs in with an account of its own, typed for it: no refusal there.
        const otherRoot = await store('pool-b root', 'root', 's3cret');
        const poolB = await caller.xapiPools.add({
          name: 'pool-b',
          address: fakes.other.address,
          secretId: otherRoot.id,
        });
        const give = () =>
          caller.xapiPools.setSshAccounts({
            id: poolB.id,
            guestSecretId: guests.id,
            hostSshSecretId: null,
            guestSecret: typed ? 'g-s3cret' : null,
          });
        if (!typed) {
          const error = await rejectionOf(give);
          expect(error.message).toMatch(
            /^The saved credential "linux guests" is used with 127\.0\.0\.1:\d+ only; type its password to use it with/,
          );
          expect(fieldErrorsOf(error).map((field) => field.path)).toEqual(['guestSecret']);
          expect(
            (await caller.xapiPools.list()).find((pool) => pool.name === 'pool-b')?.guestSecretId,
          ).toBeNull();
          expect(fakes.other.seen()).toEqual([]);
          return;
        }
        expect(await give()).toMatchObject({ name: 'pool-b', guestAccountName: 'linux guests' });
        const listed = (await caller.secrets.list()).find((secret) => secret.id === guests.id);
        expect(listed?.usedWith).toEqual([fakes.bound.address, fakes.other.address].sort());
      });
    });
  });
});
