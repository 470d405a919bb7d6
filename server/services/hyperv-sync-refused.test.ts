/**
 * A Hyper-V host sync whose read the inventory import refuses records nothing of the read: no VM
 * is marked gone from the host (the read that did not list it was never stored), the inventory is
 * as before, and the sync log says the sync failed. The next good read marks the VM gone, and its
 * log counts it. Against the fake Windows host over SSH, on both databases.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type StoreDialect, storeDialects } from '../../db/stores/contract/dialects';
import { createServiceContext } from '../context';
import { ADMIN, callOptions, startFakeHost } from '../drivers/hyperv/hyperv-test-support';
import { isDomainError } from './errors';
import { addHypervConnection } from './hyperv-connection-service';
import { runHypervSync } from './hyperv-sync-service';
import { memoryKeySource } from './vault-key';
import { createSecret } from './vault-service';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

const dialects = await storeDialects('hypervsyncrefused');
let dialect: StoreDialect;

async function setup() {
  const fake = await startFakeHost(4096);
  cleanups.push(() => fake.dispose());
  const handle = await dialect.open();
  cleanups.push(() => handle.close());
  const stores = handle.stores;
  let counter = 0;
  let now = new Date('2026-11-24T02:00:00Z');
  const ctx = createServiceContext({
    now: () => now,
    newId: () => `id-${++counter}`,
    actor: { kind: 'user', id: '1', name: 'Ada', email: 'ada@example.test', role: 'admin' },
  });
  const keys = memoryKeySource();
  const account = await createSecret(stores, ctx, keys, {
    name: 'hv01 admin',
    kind: 'password',
    username: ADMIN.username,
    secret: ADMIN.password,
  });
  const connection = await addHypervConnection(stores, ctx, keys, {
    name: 'hv01',
    address: '127.0.0.1',
    port: fake.host.port,
    hostAccountId: account.id,
  });
  const sync = (at: string) => {
    now = new Date(at);
    return runHypervSync(stores, ctx, keys, { id: connection.id }, callOptions());
  };
  return { fake, stores, connection, sync };
}

describe.each(dialects)('$name', (current) => {
  describe.skipIf(current.skip !== null)('stores', () => {
    beforeEach(() => {
      dialect = current;
    });

    it('a read the import refuses marks no VM gone and changes nothing; the next good read does', async () => {
      const { fake, stores, connection, sync } = await setup();
      expect(await sync('2026-11-24T02:00:00Z')).toMatchObject({ ok: true, goneVms: [] });
      const before = await stores.inventory.loadInventory();
      expect(before.vms.map((vm) => vm.name).sort()).toEqual(['file01', 'sql01', 'web01']);

      // web01 is deleted on the host, and the host reports D: with more free space than its size:
      // a read the import refuses as a whole.
      const web01 = fake.model.state.vms.find((vm) => vm.name === 'web01');
      const d = fake.model.state.volumes.find((volume) => volume.name.startsWith('D'));
      if (!web01 || !d) throw new Error('the fake host has no web01 or no D:');
      fake.model.state.vms = fake.model.state.vms.filter((vm) => vm !== web01);
      const freeSpace = d.freeSpace;
      d.freeSpace = (d.capacity ?? 0) + 1;
      const refused = await sync('2026-11-25T02:00:00Z').then(
        () => null,
        (error: unknown) => error,
      );
      expect(isDomainError(refused) && refused.message).toContain('nothing was imported');
      expect(await stores.inventory.loadInventory()).toEqual(before);
      const failed = (await stores.syncLog.list(connection.id, { limit: 10 })).items[0];
      expect(failed).toMatchObject({ outcome: 'failed', gone: 0 });

      // The host reads well again, still without web01: now it is gone, since this sync.
      d.freeSpace = freeSpace;
      expect(await sync('2026-11-26T02:00:00Z')).toMatchObject({ ok: true, goneVms: ['web01'] });
      const gone = (await stores.inventory.loadInventory()).vms.filter((vm) => vm.goneSince);
      expect(gone.map((vm) => [vm.name, vm.goneSince])).toEqual([
        ['web01', new Date('2026-11-26T02:00:00Z')],
      ]);
      const counted = (await stores.syncLog.list(connection.id, { limit: 10 })).items[0];
      expect(counted).toMatchObject({ outcome: 'succeeded-with-warnings', gone: 1 });
    });
  });
});
