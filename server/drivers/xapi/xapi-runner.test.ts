/**
 * The XAPI connector behind the driver registry, run by the real worker: a pool discovered from
 * the fake, imported as the console imports it, a Xen backup planned by the engine and executed
 * step by step through the registry — the stored bytes are the fake VDI's, and the pool is left
 * without Migawka's snapshot.
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
import { fixturePool } from './fake/fake-fixtures';
import { startFakeXapi } from './fake/fake-xapi-server';
import { XapiClient } from './xapi-client';
import { XapiConnector } from './xapi-connector';
import { mapPool, readPoolRecords, xenId } from './xapi-discovery';
import { memoryTrustStore } from './xapi-transport';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/**
 * The fake pool discovered and imported as the console imports it, and a driver registry with the
 * XAPI connector beside a lab (whose repository stores the exports); the clock is the test's.
 */
async function openPoolRun(tempPrefix: string, clock: () => Date) {
  const fixture = fixturePool();
  const fake = await startFakeXapi({ pool: fixture.pool });
  cleanups.push(() => fake.stop());
  // Snapshot times on the test's clock: retention orders the pool's checkpoints by them.
  fixture.pool.now = () => clock().getTime();
  const client = new XapiClient({
    label: 'xapi pool pool-lab',
    address: fake.address(),
    credentials: { credentials: async () => ({ username: 'root', password: 's3cret' }) },
    trust: memoryTrustStore(),
  });
  const options = { signal: new AbortController().signal, timeoutMs: 30_000 };
  const { inventory } = mapPool(await readPoolRecords(client, options));
  const db = openDatabase(':memory:');
  const stores = createSqliteStores(db);
  let counter = 0;
  const newId = () => `x${++counter}`;
  await importInventory(stores, createServiceContext({ now: clock, newId }), inventory, 'replace');
  const root = mkdtempSync(path.join(tmpdir(), tempPrefix));
  cleanups.push(() => rmSync(root, { recursive: true, force: true }));
  const lab = new LabDriver({
    root,
    inventory: labInventoryFromIndex(indexInventory(emptyInventory())),
    stepDelayMs: 0,
  });
  cleanups.push(() => lab.stop());
  const connector = new XapiConnector(() => [
    { name: 'pool-lab', client, hostIds: new Set(inventory.hosts.map((host) => host.id)) },
  ]);
  const drivers = createDriverRegistry({
    lookup: createSqliteDriverLookup(db),
    connectors: [lab, connector],
    repository: lab.repository,
  });
  return { fixture, inventory, db, stores, newId, drivers, lab, options };
}

describe('XAPI connector run by the worker', () => {
  it('backs up a Xen VM: snapshot, export into the repository, release, catalog', async () => {
    let now = new Date('2026-11-24T02:00:00Z');
    const { fixture, inventory, db, stores, newId, drivers, lab, options } = await openPoolRun(
      'migawka-xapi-run-',
      () => now,
    );

    const sql01 = xenId(fixture.pool.get('VM', fixture.sql01)?.uuid as string);
    const request = {
      scope: { kind: 'vms' as const, vmIds: [sql01] },
      consistencyPolicy: 'fallback' as const,
      passthroughPolicy: 'skip' as const,
    };
    const plan = planBackup(indexInventory(inventory), request, { now, newId });
    const operation = await stores.operations.enqueue(plan, request as unknown as Record<string, unknown>, {
      id: 'op-xen-1',
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
        ['xen-snapshot', 'succeeded'],
        ['copy-to-repository', 'succeeded'],
        ['release-snapshot', 'succeeded'],
        ['catalog', 'succeeded'],
      ]),
    );
    expect((await stores.operations.get(operation.id))?.status).toBe('succeeded');

    const [point] = db.select().from(restorePoints).where(eq(restorePoints.operationId, operation.id)).all();
    const stored = await lab.repository.read(point.id, options);
    const live = fixture.pool.disksOf(fixture.sql01).map((ref) =>
      createHash('sha256')
        .update(fixture.pool.vdiBytes.get(ref) as Buffer)
        .digest('hex'),
    );
    expect(stored?.files.map((file) => file.sha256)).toEqual(live);
    const snapshots = [...fixture.pool.table('VM').values()].filter(
      (vm) => vm.is_a_snapshot && vm.snapshot_of === fixture.sql01,
    );
    expect(snapshots.map((vm) => vm.name_label)).toEqual(['sql01 before patch']); // Migawka's is released
  });

  it('a job keeping memory checkpoints: each run keeps one on the pool; retention (keep last 1) destroys the older with its memory image', async () => {
    let now = new Date('2026-11-24T02:00:00Z');
    const { fixture, inventory, db, stores, newId, drivers } = await openPoolRun(
      'migawka-xapi-cp-',
      () => now,
    );
    const sql01 = xenId(fixture.pool.get('VM', fixture.sql01)?.uuid as string);
    const request = {
      scope: { kind: 'vms' as const, vmIds: [sql01] },
      consistencyPolicy: 'fallback' as const,
      passthroughPolicy: 'skip' as const,
      keepMemoryCheckpoint: true,
    };
    const retention = { keepLast: 1, daily: 0, weekly: 0, monthly: 0 };
    await stores.jobs.create({
      id: 'job-cp',
      name: 'sql01 with memory',
      requestJson: request,
      cron: null,
      timeZone: 'UTC',
      missedRunPolicy: 'run-once',
      retentionJson: retention,
      rpoHours: 24,
      isEnabled: true,
      lastScheduledAt: null,
      nextRunAt: null,
      createdAt: now,
      updatedAt: now,
      createdBy: 'system',
    } as never);
    const worker = createWorker({
      stores,
      drivers,
      workerId: 'w',
      clock: () => now,
      leaseMs: 60_000,
      retry: FAST_RETRY,
    });
    const checkpoints = () =>
      [...fixture.pool.table('VM')].filter(
        ([, vm]) => vm.is_a_snapshot && vm.snapshot_of === fixture.sql01 && vm.power_state === 'Suspended',
      );
    const images: string[] = [];
    for (const run of [1, 2]) {
      const plan = planBackup(indexInventory(inventory), request, {
        now,
        newId,
        job: { id: 'job-cp', retention, timeZone: 'UTC' },
      });
      const operation = await stores.operations.enqueue(plan, request as unknown as Record<string, unknown>, {
        id: `op-cp-${run}`,
        now,
        requestedBy: 'system',
        jobId: 'job-cp',
      });
      for (let pass = 0; pass < 60; pass += 1) {
        await worker.tick();
        const status = (await stores.operations.get(operation.id))?.status;
        if (status && !['queued', 'running'].includes(status)) break;
        now = new Date(now.getTime() + 1000);
      }
      expect((await stores.operations.get(operation.id))?.status).toBe('succeeded');
      const kept = checkpoints();
      expect(kept).toHaveLength(1); // run 2 pruned run 1's
      images.push(kept[0][1].suspend_VDI as string);
      now = new Date(now.getTime() + 24 * 3600_000);
    }
    expect(fixture.pool.get('VDI', images[0])).toBeUndefined(); // the first checkpoint's memory image
    expect(fixture.pool.get('VDI', images[1])).toBeDefined();
    const pool = db
      .select()
      .from(restorePoints)
      .all()
      .filter((point) => point.locationKind === 'pool-snapshot' && point.includesMemory);
    expect(pool).toHaveLength(1);
    expect(pool[0]).toMatchObject({ jobId: 'job-cp', vmId: sql01, consistency: 'crash' });
    // The repository copies keep their own last 1: the checkpoint does not push them out.
    const copies = db
      .select()
      .from(restorePoints)
      .all()
      .filter((point) => point.locationKind === 'repository');
    expect(copies).toHaveLength(1);
  });
});
