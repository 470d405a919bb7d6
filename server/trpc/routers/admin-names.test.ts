/**
 * What an administrator names is unique regardless of case (services/unique-names.ts): a second
 * secret, Hyper-V host, pool or array whose name differs from one saved only in case is refused,
 * naming the one saved, and nothing is written. Both stores refuse the same names (SQLite's lower()
 * would fold ASCII only). Adding saves a record; nothing here connects to a host.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ProcessDatabase } from '../../../db/process-database';
import { storeDialects } from '../../../db/stores/contract/dialects';
import { openEmptyOn } from '../../test-rows';
import { signedIn } from '../../test-support';
import { fieldErrorsOf } from '../init';
import { createCaller } from '../root';

type Admin = ReturnType<typeof createCaller>;

/** Each kind an administrator names: how to add one, and how to list the names saved. */
const KINDS = [
  {
    kind: 'A secret',
    add: (admin: Admin, name: string) =>
      admin.secrets.create({ name, kind: 'password', username: 'root', secret: 'p4ss!word' }),
    names: async (admin: Admin) => (await admin.secrets.list()).map((secret) => secret.name),
  },
  {
    kind: 'A Hyper-V host',
    add: async (admin: Admin, name: string) =>
      admin.hypervConnections.add({ name, address: '192.0.2.11', hostAccountId: await accountOf(admin) }),
    names: async (admin: Admin) => (await admin.hypervConnections.list()).map((host) => host.name),
  },
  {
    kind: 'A pool',
    add: async (admin: Admin, name: string) =>
      admin.xapiPools.add({ name, address: '192.0.2.12', secretId: await accountOf(admin) }),
    names: async (admin: Admin) => (await admin.xapiPools.list()).map((pool) => pool.name),
  },
  {
    kind: 'An array',
    add: async (admin: Admin, name: string) =>
      admin.arrayConnections.addOntap({ name, address: '192.0.2.30', accountId: await accountOf(admin) }),
    names: async (admin: Admin) => (await admin.arrayConnections.list()).map((array) => array.name),
  },
] as const;

/** The vault account the connections use, created once per test. */
async function accountOf(admin: Admin): Promise<string> {
  const existing = (await admin.secrets.list()).find((secret) => secret.name === 'service account');
  if (existing) return existing.id;
  return (
    await admin.secrets.create({
      name: 'service account',
      kind: 'password',
      username: 'admin',
      secret: 'x1!',
    })
  ).id;
}

const dialects = await storeDialects('routeradminnames');

describe.each(dialects)('$name', (dialect) => {
  describe.skipIf(dialect.skip !== null)('stores', () => {
    let db: ProcessDatabase;
    let closeDb: () => Promise<void>;
    let admin: Admin;
    beforeEach(async () => {
      ({ database: db, close: closeDb } = await openEmptyOn(dialect));
      admin = createCaller(signedIn(db));
    });
    afterEach(async () => {
      await closeDb();
    });

    describe.each(KINDS)('$kind', ({ kind, add, names }) => {
      it.each([
        ['Prod-East', 'prod-east', `${kind} named "Prod-East" already exists; names differing only in case`],
        ['Łódź DC', 'łÓDŹ dc', `${kind} named "Łódź DC" already exists; names differing only in case`],
        ['prod-east', 'prod-east', `${kind} named "prod-east" already exists`],
      ])('refuses %s beside %s, naming the one saved; nothing is written', async (first, second, text) => {
        await add(admin, first);
        const before = await names(admin);
        const error = await add(admin, second).then(
          () => null,
          (thrown: unknown) => thrown as Parameters<typeof fieldErrorsOf>[0] & { code: string },
        );
        expect(error?.code).toBe('CONFLICT');
        expect(fieldErrorsOf(error as Parameters<typeof fieldErrorsOf>[0])).toEqual([
          { path: 'name', message: expect.stringContaining(text) },
        ]);
        expect(await names(admin)).toEqual(before);
      });

      it('takes names that differ by more than case', async () => {
        await add(admin, 'Prod-East');
        await add(admin, 'Prod-West');
        expect(await names(admin)).toEqual(expect.arrayContaining(['Prod-East', 'Prod-West']));
      });
    });
  });
});
