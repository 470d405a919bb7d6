import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ProcessDatabase } from '../../../db/process-database';
import { storeDialects } from '../../../db/stores/contract/dialects';
import { fixturePool } from '../../drivers/xapi/fake/fake-fixtures';
import { type FakeXapi, startFakeXapi } from '../../drivers/xapi/fake/fake-xapi-server';
import { openEmptyOn } from '../../test-rows';
import { fourEyesOffFor, rejectionOf, signedIn } from '../../test-support';
import { fieldErrorsOf } from '../init';
import { createCaller } from '../root';

const dialects = await storeDialects('routerxapi');

describe.each(dialects)('$name', (dialect) => {
  describe.skipIf(dialect.skip !== null)('stores', () => {
    let db: ProcessDatabase;
    let closeDb: () => Promise<void>;
    let fake: FakeXapi;
    beforeEach(async () => {
      ({ database: db, close: closeDb } = await openEmptyOn(dialect));
      fake = await startFakeXapi({ pool: fixturePool().pool });
    });
    afterEach(async () => {
      await fake.stop();
      await closeDb();
    });

    describe('XAPI pool procedures', () => {
      it('an admin adds a pool with a vault account, tests it, discovers it and removes it; names, not ids', async () => {
        const admin = createCaller(signedIn(db));
        const account = await admin.secrets.create({
          name: 'pool-lab root',
          kind: 'password',
          username: 'root',
          secret: 's3cret',
        });
        const pool = await admin.xapiPools.add({
          name: 'Lab pool',
          address: fake.address(),
          secretId: account.id,
        });
        expect(await admin.xapiPools.list()).toMatchObject([
          {
            name: 'Lab pool',
            address: fake.address(),
            accountName: 'pool-lab root',
            pinned: [],
            waiting: [],
          },
        ]);

        const tested = await admin.xapiPools.test({ id: pool.id });
        expect(tested).toMatchObject({ ok: true, poolName: 'pool-lab', vmCount: 3 });
        const [listed] = await admin.xapiPools.list();
        expect(listed.pinned.map((pin) => pin.endpoint)).toEqual([fake.address()]);
        expect(listed.pinned[0].fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);

        const discovered = await admin.xapiPools.discover({ id: pool.id });
        expect(discovered).toMatchObject({ poolName: 'pool-lab', hosts: 2, vms: 3 });
        const vms = await admin.vms.list({ search: 'web01' });
        expect(vms.items.map((vm) => vm.name)).toEqual(['web01']);
        expect((await admin.xapiPools.list())[0].lastSyncAt).toBeInstanceOf(Date);

        expect(await admin.xapiPools.disconnectImpact({ id: pool.id })).toEqual({ vmCount: 3, jobs: [] });
        await expect(admin.xapiPools.remove({ id: pool.id, confirmation: 'lab pool' })).rejects.toThrow(
          /The confirmation "lab pool" is not the pool's name, "Lab pool". Nothing was disconnected\./,
        );
        expect(await admin.xapiPools.list()).toHaveLength(1);
        // With four-eyes on, the disconnect only asks (approvals-disconnect.test.ts); off, it runs.
        expect(await admin.xapiPools.remove({ id: pool.id, confirmation: 'Lab pool' })).toHaveProperty(
          'approvalRequest',
        );
        expect(await admin.xapiPools.list()).toHaveLength(1);
        await fourEyesOffFor(signedIn(db), 'disconnect');
        expect(await admin.xapiPools.remove({ id: pool.id, confirmation: 'Lab pool' })).toEqual({
          name: 'Lab pool',
        });
        expect(await admin.xapiPools.list()).toEqual([]);
      });

      it('refuses a bad pool naming each field and stores nothing', async () => {
        const admin = createCaller(signedIn(db));
        const error = await rejectionOf(() =>
          admin.xapiPools.add({ name: '', address: 'https://x/', secretId: '' }),
        );
        expect(fieldErrorsOf(error).map((field) => field.path)).toEqual(['name', 'address', 'secretId']);
        expect(await admin.xapiPools.list()).toEqual([]);
      });
    });
  });
});
