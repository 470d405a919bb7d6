import { afterEach, describe, expect, it } from 'vitest';
import { type DialectHandle, storeDialects } from '../../db/stores/contract/dialects';
import { createServiceContext } from '../context';
import { fixturePool } from '../drivers/xapi/fake/fake-fixtures';
import { type FakeXapi, startFakeXapi } from '../drivers/xapi/fake/fake-xapi-server';
import { xenId } from '../drivers/xapi/xapi-discovery';
import { getDriverRegistry, stopRuntime } from '../jobs/runtime';
import { processDatabaseOf } from '../test-rows';
import { getVm } from './inventory/vms';
import { memoryKeySource } from './vault-key';
import { createSecret } from './vault-service';
import { connectXapiPools, refreshXapiPools } from './xapi-connection-service';
import { addXapiPool, removeXapiPool } from './xapi-pool-service';

const fakes: FakeXapi[] = [];
const opened: DialectHandle[] = [];
afterEach(async () => {
  await stopRuntime();
  await Promise.all(fakes.splice(0).map((fake) => fake.stop()));
  await Promise.all(opened.splice(0).map((handle) => handle.close()));
});
const dialects = await storeDialects('xapiconnection');

const call = { signal: new AbortController().signal, timeoutMs: 30_000 };

describe.each(dialects)('$name', (dialect) => {
  describe.skipIf(dialect.skip !== null)('stores', () => {
    describe('connected XAPI pools', () => {
      it('keep the inventory live, serve their hosts through the registry, and go when removed', async () => {
        const fixture = fixturePool();
        const fake = await startFakeXapi({ pool: fixture.pool });
        fakes.push(fake);
        const handle = await dialect.open();
        opened.push(handle);
        const stores = handle.stores;
        const ctx = createServiceContext({ now: () => new Date('2026-11-30T01:00:00Z') });
        const keys = memoryKeySource();
        const secret = await createSecret(stores, ctx, keys, {
          name: 'pool-lab root',
          kind: 'password',
          username: 'root',
          secret: 's3cret',
        });
        const pool = await addXapiPool(stores, ctx, {
          name: 'pool-lab',
          address: fake.address(),
          secretId: secret.id,
        });

        const set = await connectXapiPools(stores, keys, { watch: true, ctx });
        await set.synced(pool.id);
        const web01 = xenId(fixture.pool.get('VM', fixture.web01)?.uuid as string);
        const web = await getVm(stores, ctx, web01);
        expect(web.vm.powerState).toBe('running');
        expect(await stores.xapiPools.get(pool.id)).toMatchObject({ lastSyncAt: ctx.now(), lastError: null });

        // Stopped outside Migawka: the watcher's next batch shows it.
        const next = set.synced(pool.id);
        fixture.pool.mod('VM', fixture.web01, { power_state: 'Halted', resident_on: 'OpaqueRef:NULL' });
        await next;
        expect((await getVm(stores, ctx, web01)).vm.powerState).toBe('off');

        // The runner's registry hands the host's steps to the pool's client.
        const registry = getDriverRegistry(processDatabaseOf(handle));
        const driver = await registry.hypervisorForVm(web01);
        expect(await driver.getPowerState(web01, call)).toBe('off');

        await removeXapiPool(stores, ctx, pool.id);
        await refreshXapiPools(stores);
        expect(set.connected()).toEqual([]);
        // The registry keeps its driver for the host; the next call finds no pool holding it.
        await expect(driver.getPowerState(web01, call)).rejects.toMatchObject({
          faultCode: 'connector-missing',
          message: expect.stringContaining('is not in any connected XAPI pool (connected: none)'),
        });
        expect(fake.sessionCount).toBe(0); // the pool's session was logged out
      });
    });
  });
});
