/**
 * The name-key contract: every store of operator-chosen names (backup jobs, Hyper-V hosts, pools,
 * arrays, vault secrets) refuses a name another row has in any case by itself, as two saves at once
 * would reach it with the services' check passed by both: the CONFLICT names the record that has
 * the name, and nothing of the refused save is written.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { nameTakenError } from '../../../server/engine/name-keys';
import type { Stores } from '../ports';
import { jobOf } from './job-store.contract';

export interface NameKeysFixture {
  stores: Stores;
  close(): Promise<void>;
}

const T0 = new Date('2026-12-01T00:00:00Z');
const BY = 'user:1';
const SEALED = { ciphertext: 'ct', iv: 'iv', authTag: 'tag', keyId: 'key-a' };

/** One store of names: how to add a row, and the names it holds. */
interface NamedStore {
  table: string;
  kind: string;
  insert(stores: Stores, id: string, name: string): Promise<unknown>;
  names(stores: Stores): Promise<string[]>;
}

const STORES: NamedStore[] = [
  {
    table: 'backup_jobs',
    kind: 'A backup job',
    insert: (stores, id, name) => stores.jobs.create(jobOf(id, { name })),
    names: async (stores) => (await stores.jobs.list()).map((row) => row.name),
  },
  {
    table: 'hyperv_connections',
    kind: 'A Hyper-V host',
    insert: (stores, id, name) =>
      stores.hypervConnections.insert({
        id,
        name,
        address: '192.0.2.20',
        port: 22,
        secretId: 'secret-1',
        guestSecretId: null,
        wsbBackupTarget: null,
        createdAt: T0,
        createdBy: BY,
      }),
    names: async (stores) => (await stores.hypervConnections.list()).map((row) => row.name),
  },
  {
    table: 'xapi_pools',
    kind: 'A pool',
    insert: (stores, id, name) =>
      stores.xapiPools.insert({
        id,
        name,
        address: '192.0.2.10',
        secretId: 'secret-1',
        createdAt: T0,
        createdBy: BY,
      }),
    names: async (stores) => (await stores.xapiPools.list()).map((row) => row.name),
  },
  {
    table: 'array_connections',
    kind: 'An array',
    insert: (stores, id, name) =>
      stores.arrayConnections.insert({
        id,
        name,
        vendor: 'ontap',
        address: '192.0.2.30',
        secretId: 'secret-1',
        stagingTarget: 'stage01',
        createdAt: T0,
        createdBy: BY,
      }),
    names: async (stores) => (await stores.arrayConnections.list()).map((row) => row.name),
  },
  {
    table: 'secrets',
    kind: 'A secret',
    insert: (stores, id, name) =>
      stores.secrets.insert({
        id,
        name,
        kind: 'password',
        username: 'root',
        sealed: SEALED,
        createdAt: T0,
        createdBy: BY,
      }),
    names: async (stores) => (await stores.secrets.list()).map((row) => row.name),
  },
];

/** The first name saved, the second one refused: differing in case, in script, or in encoding only. */
const CLASHES: { label: string; first: string; second: string }[] = [
  { label: 'the same name', first: 'Pool-A', second: 'Pool-A' },
  { label: 'ASCII case', first: 'Pool-A', second: 'pool-a' },
  { label: 'non-ASCII case (SQLite lower() would miss it)', first: 'Łódź', second: 'łÓDŹ' },
  { label: 'an accent composed or not', first: 'Café', second: 'CAFE\u0301' },
];

/** Names that only look alike under full case folding stay two (nameKeyOf is not folding). */
const DISTINCT: [string, string] = ['Straße', 'STRASSE'];

export function runNameKeysContract(name: string, create: () => Promise<NameKeysFixture>): void {
  describe(`name keys: ${name}`, () => {
    let fixture: NameKeysFixture;
    let stores: Stores;
    beforeEach(async () => {
      fixture = await create();
      stores = fixture.stores;
    });
    afterEach(async () => {
      await fixture.close();
    });

    for (const store of STORES) {
      describe(store.table, () => {
        it.each(CLASHES)(
          'refuses $label with the CONFLICT naming the first, writing nothing',
          async ({ first, second }) => {
            await store.insert(stores, 'first', first);
            const expected = nameTakenError(store.kind, second, first);
            await expect(store.insert(stores, 'second', second)).rejects.toMatchObject({
              code: 'CONFLICT',
              message: expected.message,
              fieldErrors: expected.fieldErrors,
            });
            expect(await store.names(stores)).toEqual([first]);
          },
        );

        it('of two saves at once of names differing only in case, one is written and the other refused', async () => {
          const outcomes = await Promise.allSettled([
            store.insert(stores, 'a', 'Nightly-Łódź'),
            store.insert(stores, 'b', 'NIGHTLY-łódź'),
          ]);
          const names = await store.names(stores);
          expect(names).toHaveLength(1);
          expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
          const refused = outcomes.find((outcome) => outcome.status === 'rejected');
          expect(refused?.reason).toMatchObject({
            code: 'CONFLICT',
            message: expect.stringContaining(`"${names[0]}"`),
          });
        });

        it('keeps names that differ beyond case (no full case folding)', async () => {
          await store.insert(stores, 'first', DISTINCT[0]);
          await store.insert(stores, 'second', DISTINCT[1]);
          expect((await store.names(stores)).sort()).toEqual([...DISTINCT].sort());
        });
      });
    }

    it('refuses renaming a job to another job’s name in another case, and leaves it as it was', async () => {
      await stores.jobs.create(jobOf('j1', { name: 'Nightly Łódź' }));
      await stores.jobs.create(jobOf('j2', { name: 'Weekly' }));
      await expect(
        stores.jobs.update('j2', { name: 'NIGHTLY ŁÓDŹ', updatedAt: T0, updatedBy: BY }),
      ).rejects.toMatchObject({
        code: 'CONFLICT',
        message: nameTakenError('A backup job', 'NIGHTLY ŁÓDŹ', 'Nightly Łódź').message,
      });
      expect((await stores.jobs.get('j2'))?.name).toBe('Weekly');
      // A job may change the case of its own name; its key moves with it.
      expect(
        (await stores.jobs.update('j1', { name: 'NIGHTLY ŁÓDŹ', updatedAt: T0, updatedBy: BY }))?.name,
      ).toBe('NIGHTLY ŁÓDŹ');
      await stores.jobs.update('j2', { name: 'nightly łódź (2)', updatedAt: T0, updatedBy: BY });
      await expect(stores.jobs.create(jobOf('j3', { name: 'Nightly Łódź (2)' }))).rejects.toMatchObject({
        code: 'CONFLICT',
      });
      expect((await stores.jobs.list()).map((job) => job.name)).toEqual(['NIGHTLY ŁÓDŹ', 'nightly łódź (2)']);
    });
  });
}
