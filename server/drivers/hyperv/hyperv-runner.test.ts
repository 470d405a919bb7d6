/**
 * The Hyper-V connector behind the driver registry, run by the real worker: the fake host synced
 * into the inventory as the console syncs it, a backup of sql01 planned by the engine (an online
 * production checkpoint) and executed step by step — the stored bytes are the VHDX files as they
 * were at the checkpoint, and the host is left without Migawka's checkpoint.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../db/client';
import { restorePoints } from '../../../db/schema';
import { createSqliteStores } from '../../../db/stores/sqlite';
import { createSqliteDriverLookup } from '../../../db/stores/sqlite/driver-lookup';
import { createServiceContext } from '../../context';
import { planBackup } from '../../engine/backup-plan';
import { emptyInventory, indexInventory } from '../../engine/inventory';
import { FAST_RETRY } from '../../jobs/test-harness';
import { createWorker } from '../../jobs/worker';
import { importInventory } from '../../services/import-service';
import { LabDriver, labInventoryFromIndex } from '../lab/lab-driver';
import { createDriverRegistry } from '../registry';
import { GUEST_PASSWORD, GUEST_USER, SQL01 } from './fake/fake-estate';
import { HypervConnector } from './hyperv-connector';
import { mapHost, readHostRecords, vmInventoryId } from './hyperv-discovery';
import { callOptions, startFakeHost } from './hyperv-test-support';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('Hyper-V connector run by the worker', () => {
  it('backs up a running VM: production checkpoint, copy into the repository, merge, catalog', async () => {
    const fake = await startFakeHost(32 * 1024);
    cleanups.push(() => fake.dispose());
    const client = fake.connect();
    const guest = { user: GUEST_USER, password: GUEST_PASSWORD };
    const { inventory } = mapHost(await readHostRecords(client, guest, callOptions()));

    const db = openDatabase(':memory:');
    const stores = createSqliteStores(db);
    let counter = 0;
    const newId = () => `h${++counter}`;
    let now = new Date('2026-11-24T02:00:00Z');
    const ctx = createServiceContext({ now: () => now, newId });
    await importInventory(stores, ctx, inventory, 'replace');

    const root = mkdtempSync(path.join(tmpdir(), 'migawka-hyperv-run-'));
    cleanups.push(() => rmSync(root, { recursive: true, force: true }));
    const lab = new LabDriver({
      root,
      inventory: labInventoryFromIndex(indexInventory(emptyInventory())),
      stepDelayMs: 0,
    });
    cleanups.push(() => lab.stop());
    const connector = new HypervConnector(() => [
      { name: 'hv01', client, guestCredential: async () => guest, hostId: inventory.hosts[0].id },
    ]);
    const drivers = createDriverRegistry({
      lookup: createSqliteDriverLookup(db),
      connectors: [lab, connector],
      repository: lab.repository,
    });

    const sql01 = vmInventoryId(SQL01);
    // Another backup product left an RCT reference point over the OS disk only.
    const osSlot = { controllerType: 1, controllerNumber: 0, controllerLocation: 0 };
    fake.model.state.vms[0].referencePoints = [
      { instanceId: 'Microsoft:rp1', type: 2, disks: [{ ...osSlot, rctId: 'rctX:0a11:7' }] },
    ];
    const atCheckpoint = fake.model.state.vms[0].drives.map((drive) =>
      createHash('sha256').update(fake.model.readFile(drive.path)).digest('hex'),
    );
    const request = {
      scope: { kind: 'vms' as const, vmIds: [sql01] },
      consistencyPolicy: 'fallback' as const,
      passthroughPolicy: 'skip' as const,
    };
    const plan = planBackup(indexInventory(inventory), request, { now, newId });
    const operation = await stores.operations.enqueue(plan, request as unknown as Record<string, unknown>, {
      id: 'op-hv-1',
      now,
      requestedBy: 'system',
    });
    const worker = createWorker({
      stores,
      drivers,
      workerId: 'w',
      clock: () => now,
      leaseMs: 60_000,
      retry: FAST_RETRY,
    });
    for (let pass = 0; pass < 40; pass += 1) {
      await worker.tick();
      const status = (await stores.operations.get(operation.id))?.status;
      if (status && !['queued', 'running'].includes(status)) break;
      now = new Date(now.getTime() + 1000);
    }
    const steps = await stores.operations.steps(operation.id);
    expect(steps.map((step) => [step.kind, step.status])).toEqual(
      expect.arrayContaining([
        ['vss-snapshot', 'succeeded'],
        ['copy-to-repository', 'succeeded'],
        ['release-snapshot', 'succeeded'],
        ['catalog', 'succeeded'],
      ]),
    );
    expect((await stores.operations.get(operation.id))?.status).toBe('succeeded');
    const [point] = db.select().from(restorePoints).where(eq(restorePoints.operationId, operation.id)).all();
    const stored = await lab.repository.read(point.id, callOptions());
    expect(stored?.files.map((file) => file.sha256)).toEqual(atCheckpoint);
    expect(fake.model.state.vms[0].checkpoints).toEqual([]);
    expect(fake.host.calls).toContain('new-checkpoint');
    // The point keeps each disk's change tracking id, or unknown with why.
    expect(point.changeTrackingJson?.map((disk) => [disk.diskId.split(':').pop(), disk.ids])).toEqual([
      ['scsi0-0', ['rctX:0a11:7']],
      ['scsi0-1', []],
    ]);
    expect(point.changeTrackingJson?.[1].reason).toMatch(/no reference point covers this disk/);
  });
});
