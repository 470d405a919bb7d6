/**
 * Sync on a schedule against the fake Windows host, with the clock driven by the test: a host is
 * re-read once its last sync is older than the interval, never before its first (admin) sync, not
 * while a changed key waits, and not twice at once; a host that is down is recorded and retried
 * one interval later.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type StoreDialect, storeDialects } from '../../db/stores/contract/dialects';
import { createServiceContext } from '../context';
import { ADMIN, callOptions, startFakeHost } from '../drivers/hyperv/hyperv-test-support';
import { addHypervConnection } from './hyperv-connection-service';
import { createHypervSyncSchedule, isSyncDue } from './hyperv-sync-schedule';
import { syncHypervConnection } from './hyperv-sync-service';
import { memoryKeySource } from './vault-key';
import { createSecret } from './vault-service';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

const dialects = await storeDialects('hypervsync');
let dialect: StoreDialect;
const MINUTE = 60_000;
const T0 = new Date('2026-11-24T02:00:00Z');

async function setup() {
  const fake = await startFakeHost(4096);
  cleanups.push(() => fake.dispose());
  const handle = await dialect.open();
  cleanups.push(() => handle.close());
  const stores = handle.stores;
  let now = T0;
  let counter = 0;
  const ctx = createServiceContext({ now: () => now, newId: () => `id-${++counter}` });
  const keys = memoryKeySource();
  const secret = await createSecret(stores, ctx, keys, {
    name: 'hv01 admin',
    kind: 'password',
    username: ADMIN.username,
    secret: ADMIN.password,
  });
  const connection = await addHypervConnection(stores, ctx, keys, {
    name: 'hv01',
    address: '127.0.0.1',
    port: fake.host.port,
    hostAccountId: secret.id,
  });
  const tick = createHypervSyncSchedule(stores, keys, 15 * MINUTE);
  return {
    fake,
    stores,
    ctx,
    keys,
    connection,
    tick,
    at: (minutes: number) => {
      now = new Date(T0.getTime() + minutes * MINUTE);
    },
  };
}

describe('isSyncDue', () => {
  const base = {
    id: 'c1',
    name: 'hv01',
    address: 'hv01',
    port: 22,
    secretId: 's1',
    guestSecretId: null,
    wsbBackupTarget: null,
    hostId: null,
    hostKey: 'SHA256:x',
    createdAt: T0,
    createdBy: 'ada',
    lastError: null,
    clusterName: null,
    nodeHostIds: [],
    nodeHostKeys: {},
    refusedNodeHostKeys: {},
  };
  const at = (minutes: number) => new Date(T0.getTime() + minutes * MINUTE);
  const synced = { lastSyncAt: T0, refusedHostKey: null };
  it.each([
    ['never synced', { lastSyncAt: null, refusedHostKey: null }, undefined, 60, false],
    ['synced 14 min ago', synced, undefined, 14, false],
    ['synced 15 min ago', synced, undefined, 15, true],
    ['synced 30 min ago, a failed attempt 10 min ago', synced, at(20), 30, false],
    ['synced 30 min ago, a failed attempt 15 min ago', synced, at(15), 30, true],
    ['a changed key waits', { lastSyncAt: T0, refusedHostKey: 'SHA256:y' }, undefined, 60, false],
  ])('%s', (_case, fields, attempt, minutes, due) => {
    expect(isSyncDue({ ...base, ...fields }, attempt, at(minutes), 15 * MINUTE)).toBe(due);
  });
});

describe.each(dialects)('$name', (current) => {
  describe.skipIf(current.skip !== null)('stores', () => {
    beforeEach(() => {
      dialect = current;
    });
    describe('scheduled Hyper-V sync', () => {
      it('re-reads a host once the interval passed, and picks up what changed on it', async () => {
        const { fake, stores, ctx, keys, connection, tick, at } = await setup();
        expect(await tick(ctx)).toEqual({ synced: [], failed: [] }); // never synced: left to the admin
        await syncHypervConnection(stores, ctx, keys, { id: connection.id }, callOptions());
        at(10);
        expect(await tick(ctx)).toEqual({ synced: [], failed: [] });
        const web01 = fake.model.state.vms.find((vm) => vm.name === 'web01');
        if (!web01) throw new Error('no web01');
        web01.state = 2; // started on the host
        at(15);
        expect(await tick(ctx)).toEqual({ synced: ['hv01'], failed: [] });
        const inventory = await stores.inventory.loadInventory();
        expect(inventory.vms.find((vm) => vm.name === 'web01')?.powerState).toBe('running');
        expect((await stores.hypervConnections.get(connection.id))?.lastSyncAt).toEqual(
          new Date(T0.getTime() + 15 * MINUTE),
        );
      });

      it('a host that is down is recorded and retried one interval later, not on every tick', async () => {
        const { fake, stores, ctx, keys, connection, tick, at } = await setup();
        await syncHypervConnection(stores, ctx, keys, { id: connection.id }, callOptions());
        await fake.host.stop();
        at(15);
        expect(await tick(ctx)).toEqual({ synced: [], failed: ['hv01'] });
        // In words, as the connection card shows it: not led by the fault's code ("host-unreachable: …").
        const { lastError } = (await stores.hypervConnections.get(connection.id)) ?? {};
        expect(lastError).toContain('cannot be reached');
        expect(lastError).not.toMatch(/^[a-z-]+: /);
        at(16);
        expect(await tick(ctx)).toEqual({ synced: [], failed: [] });
        await fake.host.start(fake.host.port);
        at(30);
        expect(await tick(ctx)).toEqual({ synced: ['hv01'], failed: [] });
        expect((await stores.hypervConnections.get(connection.id))?.lastError).toBeNull();
      });

      it('a sync still running is not started again by the next tick', async () => {
        const { fake, stores, ctx, keys, connection, tick, at } = await setup();
        await syncHypervConnection(stores, ctx, keys, { id: connection.id }, callOptions());
        fake.host.hangingScripts.add('host-facts');
        at(15);
        const first = tick(ctx);
        await expect.poll(() => fake.host.calls.filter((name) => name === 'host-facts').length).toBe(2);
        expect(await tick(ctx)).toEqual({ synced: [], failed: [] });
        fake.host.hangingScripts.clear();
        await fake.host.stop(); // ends the hanging call: the first sync fails and is recorded
        expect(await first).toEqual({ synced: [], failed: ['hv01'] });
      });
    });
  });
});
