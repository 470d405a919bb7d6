/**
 * A VM restored as new on a Hyper-V host is the same VM to the next sync: the runner records it
 * under the id Hyper-V gave it (`hv:<guid>`, its disks by slot), so the sync updates that record
 * instead of adding the VM a second time and marking the restore's own record gone.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { driverLookupOf } from '../../db/process-database';
import { type StoreDialect, storeDialects } from '../../db/stores/contract/dialects';
import { createServiceContext, type ServiceContext } from '../context';
import { GUEST_PASSWORD, GUEST_USER, SQL01 } from '../drivers/hyperv/fake/fake-estate';
import { createStoredHypervConnector } from '../drivers/hyperv/hyperv-connector';
import { vmInventoryId } from '../drivers/hyperv/hyperv-discovery';
import { ADMIN, callOptions, startFakeHost } from '../drivers/hyperv/hyperv-test-support';
import { LabDriver, labInventoryFromIndex } from '../drivers/lab/lab-driver';
import { createDriverRegistry } from '../drivers/registry';
import { emptyInventory, indexInventory } from '../engine/inventory';
import { FAST_RETRY } from '../jobs/test-harness';
import { createWorker } from '../jobs/worker';
import { processDatabaseOf, rowsOf } from '../test-rows';
import { isDomainError } from './errors';
import { addHypervConnection, removeHypervConnection, storedHypervHosts } from './hyperv-connection-service';
import { runHypervSync } from './hyperv-sync-service';
import { startBackup, startRestore } from './operations-service';
import { memoryKeySource } from './vault-key';
import { createSecret } from './vault-service';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const dialects = await storeDialects('hypervrestore');
let dialect: StoreDialect;

const quiet = {
  info: () => {},
  warn: () => {},
  error: () => {},
  debug: () => {},
} as unknown as ServiceContext['log'];

async function setup() {
  const fake = await startFakeHost(16 * 1024);
  cleanups.push(() => fake.dispose());
  const handle = await dialect.open();
  cleanups.push(() => handle.close());
  const database = processDatabaseOf(handle);
  const stores = handle.stores;
  let counter = 0;
  let now = new Date('2026-11-24T02:00:00Z');
  const ctx = createServiceContext({
    now: () => now,
    newId: () => `id-${++counter}`,
    log: quiet,
    actor: { kind: 'user', id: '1', name: 'Ada', email: 'ada@example.test', role: 'admin' },
  });
  const keys = memoryKeySource();
  const secret = (name: string, username: string, value: string) =>
    createSecret(stores, ctx, keys, { name, kind: 'password', username, secret: value });
  const connection = await addHypervConnection(stores, ctx, keys, {
    name: 'hv01',
    address: '127.0.0.1',
    port: fake.host.port,
    hostAccountId: (await secret('hv01 admin', ADMIN.username, ADMIN.password)).id,
    guestAccountId: (await secret('guest', GUEST_USER, GUEST_PASSWORD)).id,
  });
  const root = mkdtempSync(path.join(tmpdir(), 'migawka-hyperv-restore-'));
  cleanups.push(() => rmSync(root, { recursive: true, force: true }));
  const lab = new LabDriver({
    root,
    inventory: labInventoryFromIndex(indexInventory(emptyInventory())),
    stepDelayMs: 0,
  });
  cleanups.push(() => lab.stop());
  const drivers = createDriverRegistry({
    lookup: driverLookupOf(database),
    connectors: [lab, createStoredHypervConnector(storedHypervHosts(stores, ctx, keys))],
    repository: lab.repository,
  });
  const worker = createWorker({
    stores,
    drivers,
    workerId: 'w',
    clock: () => now,
    leaseMs: 60_000,
    retry: FAST_RETRY,
  });
  const runToEnd = async (operationId: string) => {
    for (let pass = 0; pass < 60; pass += 1) {
      await worker.tick();
      const status = (await stores.operations.get(operationId))?.status;
      if (status && !['queued', 'running'].includes(status)) return status;
      now = new Date(now.getTime() + 1000);
    }
    return (await stores.operations.get(operationId))?.status;
  };
  const sync = () => runHypervSync(stores, ctx, keys, { id: connection.id }, callOptions());
  return { fake, rows: rowsOf(database), stores, ctx, runToEnd, sync, connection };
}

describe.each(dialects)('$name', (current) => {
  describe.skipIf(current.skip !== null)('stores', () => {
    beforeEach(() => {
      dialect = current;
    });
    describe('a VM restored as new on a Hyper-V host, then synced', () => {
      it('is one VM, under its Hyper-V id, not gone, with its source and points as they were', async () => {
        const { fake, rows, stores, ctx, runToEnd, sync } = await setup();
        expect(await sync()).toMatchObject({ ok: true });
        const sql01 = vmInventoryId(SQL01);
        const backup = await startBackup(stores, ctx, {
          scope: { kind: 'vms', vmIds: [sql01] },
          consistencyPolicy: 'fallback',
          passthroughPolicy: 'skip',
        });
        expect(await runToEnd(backup.operationId)).toBe('succeeded');
        const [point] = (await rows.all('restorePoints')).filter(
          (row) => row.operationId === backup.operationId,
        );

        const restore = await startRestore(stores, ctx, {
          restorePointId: point.id,
          mode: 'as-new',
          newVmName: 'sql01-copy',
        });
        expect(await runToEnd(restore.operationId)).toBe('succeeded');
        const created = fake.model.state.vms.find((vm) => vm.name === 'sql01-copy');
        if (!created) throw new Error('the restore created no VM on the host');
        const copyId = vmInventoryId(created.id);
        const restored = await stores.inventory.loadInventory();
        expect(restored.vms.filter((vm) => vm.name === 'sql01-copy').map((vm) => vm.id)).toEqual([copyId]);
        const restoredDisks = restored.virtualDisks
          .filter((disk) => disk.vmId === copyId)
          .map((disk) => disk.id);

        const synced = await sync();
        expect(synced).toMatchObject({ ok: true, goneVms: [], reappearedVms: [] });
        const after = await stores.inventory.loadInventory();
        const copies = after.vms.filter((vm) => vm.name === 'sql01-copy');
        expect(copies.map((vm) => [vm.id, vm.goneSince ?? null])).toEqual([[copyId, null]]);
        // The sync read the same disks the restore recorded: none added beside them.
        expect(after.virtualDisks.filter((disk) => disk.vmId === copyId).map((disk) => disk.id)).toEqual(
          restoredDisks,
        );
        expect(after.vms.filter((vm) => vm.goneSince)).toEqual([]);
        // The lineage: the point still belongs to sql01, which is still here, and restores from it.
        const points = await rows.all('restorePoints');
        expect(points.map((row) => [row.id, row.vmId])).toEqual([[point.id, sql01]]);
        expect(after.vms.find((vm) => vm.id === sql01)?.goneSince ?? null).toBeNull();
      });
    });

    describe('disconnecting a Hyper-V host', () => {
      const CASES: [string, boolean, string | null][] = [
        [
          'while a backup of one of its VMs is queued: refused, naming it',
          false,
          'is in use by an operation',
        ],
        ['once that backup ended: done', true, null],
      ];
      it.each(CASES)('%s', async (_what, runFirst, refusal) => {
        const { stores, ctx, runToEnd, sync, connection } = await setup();
        await sync();
        const backup = await startBackup(stores, ctx, {
          scope: { kind: 'vms', vmIds: [vmInventoryId(SQL01)] },
          consistencyPolicy: 'fallback',
          passthroughPolicy: 'skip',
        });
        if (runFirst) await runToEnd(backup.operationId);
        const title = (await stores.operations.get(backup.operationId))?.title ?? '';
        let error: unknown = null;
        try {
          await removeHypervConnection(stores, ctx, { id: connection.id, confirmation: connection.name });
        } catch (caught) {
          error = caught;
        }
        if (refusal === null) {
          expect(error).toBeNull();
          expect(await stores.hypervConnections.get(connection.id)).toBeNull();
        } else {
          expect(isDomainError(error) && error.code).toBe('PRECONDITION_FAILED');
          expect(isDomainError(error) && error.message).toContain(refusal);
          expect(isDomainError(error) && error.message).toContain(`"${title}"`);
          expect(await stores.hypervConnections.get(connection.id)).not.toBeNull();
        }
      });
    });
  });
});
