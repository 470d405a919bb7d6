/**
 * A volume revert is confirmed for the VMs on the volume when it was planned; it may then wait in
 * the queue (behind locks, or for a four-eyes approval) while a sync finds a VM moved onto the
 * volume or created there. Its step re-reads which VMs (and host volumes) are on the volume right
 * before anything is touched: one the confirmation did not cover refuses the revert, naming it; one
 * that left the volume since is neither stopped nor recorded off, and the revert goes on.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { storeDialects } from '../../db/stores/contract/dialects';
import { labInventoryFromIndex } from '../drivers/lab/lab-driver';
import { labTestIndex } from '../drivers/lab/lab-fixture';
import { evaluateInventory } from '../engine/evaluate';
import { type Inventory, type InventoryIndex, indexInventory } from '../engine/inventory';
import { createHarness, type Harness } from '../jobs/test-harness';
import type { Worker } from '../jobs/worker';
import type { BackupRequestInput } from '../schemas/operations';
import { previewRestore, startBackup, startRestore } from './operations-service';
import { serviceRunHelpers } from './service-test-support';

let h: Harness;
let worker: Worker;
/** What the lab's hypervisor and array see; a test's "sync" moves the stored inventory and it together. */
let labIndex: InventoryIndex;

const { ctx, run, pointOf } = serviceRunHelpers(() => ({ h, worker }));

const CALL = { signal: new AbortController().signal, timeoutMs: 60_000 };

type Change = (inventory: Inventory) => Inventory;

const moveDisks =
  (diskIds: string[], hostVolumeId: string): Change =>
  (inventory) => ({
    ...inventory,
    virtualDisks: inventory.virtualDisks.map((disk) =>
      diskIds.includes(disk.id) ? { ...disk, hostVolumeId } : disk,
    ),
  });

const createVmOnD: Change = (inventory) => {
  const template = inventory.vms.find((vm) => vm.id === 'app1');
  const disk = inventory.virtualDisks.find((candidate) => candidate.id === 'app1-os');
  if (!template || !disk) throw new Error('the lab fixture has no app1');
  return {
    ...inventory,
    vms: [...inventory.vms, { ...template, id: 'db2', name: 'db2', powerState: 'off' }],
    virtualDisks: [...inventory.virtualDisks, { ...disk, id: 'db2-os', name: 'db2-os', vmId: 'db2' }],
  };
};

/** What a connector sync does when it finds the estate changed: a merge, and the host sees it too. */
async function sync(change: Change): Promise<void> {
  await h.stores.inventory.importInventory({
    mode: 'merge',
    validate: (stored) => {
      if (!stored) throw new Error('a merge reads the stored estate');
      return change(stored);
    },
    assess: evaluateInventory,
    record: { id: h.newId(), createdAt: h.clock.now(), requestedBy: 'sync' },
  });
  labIndex = indexInventory(change(labIndex.inventory));
}

const BACKUPS: Record<'host-volume' | 'array-volume', BackupRequestInput> = {
  'host-volume': {
    scope: { kind: 'host-volume', hostVolumeId: 'hv1-d' },
    methodByVm: { app1: 'wsb-volume', sql1: 'wsb-volume' },
    consistencyPolicy: 'fallback',
    passthroughPolicy: 'skip',
  },
  'array-volume': {
    scope: { kind: 'array-volume', arrayVolumeId: 'lun1' },
    methodByVm: { app1: 'array-snapshot', sql1: 'array-snapshot' },
    consistencyPolicy: 'fallback',
    passthroughPolicy: 'skip',
    // A LUN is reverted from its snapshot on the array: the backup keeps it there.
    keepArraySnapshot: true,
  },
};

/**
 * Backs up D: (on lun1), then confirms a revert of it to app1's point and leaves it queued. With
 * `newer`, a second backup follows: the revert then also discards the newer points.
 */
async function queueRevert(kind: keyof typeof BACKUPS, { newer = false } = {}) {
  const backup = await startBackup(h.stores, ctx(), BACKUPS[kind]);
  expect((await run(backup)).status).toBe('succeeded');
  const point = await pointOf(backup.operationId, 'app1');
  if (newer) {
    h.clock.advance(60_000);
    const again = await startBackup(h.stores, ctx(), BACKUPS[kind]);
    expect((await run(again)).status).toBe('succeeded');
  }
  const request = { restorePointId: point.id, mode: 'volume-revert' as const };
  const review = await previewRestore(h.stores, ctx(), request);
  expect(review.collateral.map((vm) => vm.vmName)).toEqual(['sql1']);
  return startRestore(h.stores, ctx(), {
    ...request,
    confirmation: review.confirmationText ?? '',
    acknowledgedStoppedVmIds: review.stoppedVms.map((vm) => vm.vmId),
  });
}

const VOLUME_NAMES = { 'host-volume': 'D: on hv1', 'array-volume': 'lun1' };

describe.each(await storeDialects('revertdrift'))('$name', (dialect) => {
  describe.skipIf(dialect.skip !== null)('stores', () => {
    afterEach(async () => {
      await h.close();
    });

    async function setUp() {
      labIndex = labTestIndex();
      // No guest workloads: a move here changes the inventory only, so a running VM's workload would
      // keep writing where its files were (on the reverted volume), racing the revert's re-hash.
      h = await createHarness({
        dialect,
        driver: { inventory: labInventoryFromIndex(() => labIndex), isWorkloadEnabled: false },
      });
      worker = h.createWorker();
    }

    describe.each(['host-volume', 'array-volume'] as const)('a %s revert', (kind) => {
      it.each([
        {
          change: 'legacy1 moved onto D:',
          apply: moveDisks(['legacy1-os'], 'hv1-d'),
          newcomer: 'legacy1',
          newcomerDisk: 'legacy1-os',
        },
        { change: 'db2 created on D:', apply: createVmOnD, newcomer: 'db2', newcomerDisk: 'db2-os' },
      ])('is refused when $change after it was confirmed: nothing is stopped or reverted', async (row) => {
        await setUp();
        const started = await queueRevert(kind, { newer: true });
        const points = (await h.stores.restorePoints.browse({ sort: 'newest', limit: 100 })).items;
        expect(points).toHaveLength(4);
        const app1Disk = await h.driver.liveDiskFile('app1-os');
        writeFileSync(app1Disk, 'app1 changed after the backup');
        await sync(row.apply);

        const done = await run(started);

        expect(done.status).toBe('failed');
        const volume = VOLUME_NAMES[kind];
        expect(done.error).toBe(
          `Revert ${volume} (2 VMs): reverting ${volume} would also destroy VM '${row.newcomer}', which was not on ${volume} when the revert was confirmed: nothing was reverted. Plan the revert again`,
        );
        expect(readFileSync(app1Disk, 'utf8')).toBe('app1 changed after the backup');
        expect(await h.driver.hypervisor().getPowerState('sql1', CALL)).toBe('running');
        const steps = await h.stores.operations.steps(done.id);
        expect(steps.find((step) => step.kind === 'revert-volume')?.status).toBe('failed');
        // Nothing after the revert ran: the newer points it would have discarded are all still there.
        const after = steps.slice(steps.findIndex((step) => step.kind === 'revert-volume') + 1);
        expect(after.map((step) => [step.kind, step.status])).toEqual([
          ['verify-restored', 'cancelled'],
          ['discard-newer-points', 'cancelled'],
        ]);
        const kept = (await h.stores.restorePoints.browse({ sort: 'newest', limit: 100 })).items;
        expect(kept.map((point) => point.id).sort()).toEqual(points.map((point) => point.id).sort());
      });

      it.each([
        { change: 'sql1 moved off D:', apply: moveDisks(['sql1-os', 'sql1-data'], 'hv1-e'), sql1: 'running' },
        { change: 'nothing changed', apply: (inventory: Inventory) => inventory, sql1: 'off' },
      ])('goes ahead when $change: only the VMs still on D: are stopped', async (row) => {
        await setUp();
        const started = await queueRevert(kind);
        const app1Disk = await h.driver.liveDiskFile('app1-os');
        const backedUp = readFileSync(app1Disk);
        writeFileSync(app1Disk, 'app1 changed after the backup');
        await sync(row.apply);

        const done = await run(started);

        expect(done.status, done.error ?? '').toMatch(/^succeeded/);
        expect(readFileSync(app1Disk)).toEqual(backedUp);
        expect(await h.driver.hypervisor().getPowerState('sql1', CALL)).toBe(row.sql1);
        const stored = await h.stores.inventory.loadNeighbourhood(['sql1']);
        expect(stored.vms.find((vm) => vm.id === 'sql1')?.powerState).toBe(row.sql1);
      });
    });
  });
});
