/**
 * The lab (the default connector) runs a backup that keeps its array snapshot: the snapshot stays
 * in the lab's array, both VMs on lun1 get a point kept on it, an operator's delete of the first
 * point keeps the snapshot for the other, and the delete of the last one removes it. A cancelled
 * run releases its snapshot.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { storeDialects } from '../../db/stores/contract/dialects';
import { createServiceContext } from '../context';
import { labPaths } from '../drivers/lab/layout';
import type { BackupPlanRequest } from '../engine/backup-plan';
import { createHarness, type Harness } from '../jobs/test-harness';
import { describePointDeletion } from './restore-point-browser-service';
import { startPointDelete } from './restore-point-service';

let h: Harness;
afterEach(() => h?.close());

const keptBackup: BackupPlanRequest = {
  scope: { kind: 'array-volume', arrayVolumeId: 'lun1' },
  methodByVm: { app1: 'array-snapshot', sql1: 'array-snapshot' },
  consistencyPolicy: 'fallback',
  passthroughPolicy: 'skip',
  keepArraySnapshot: true,
};

const dialects = await storeDialects('keep-array-snapshot');

async function snapshotOf(operationId: string) {
  const steps = await h.stores.operations.steps(operationId);
  const snapshot = steps.find((step) => step.kind === 'array-snapshot');
  const snapshotId = String((snapshot?.paramsJson as { snapshotId?: string } | undefined)?.snapshotId);
  const pointIds = steps
    .filter((step) => step.kind === 'catalog' && step.status === 'succeeded')
    .map((step) => String((step.resultJson as { restorePointId: string }).restorePointId));
  return {
    snapshotId,
    pointIds,
    isOnArray: () => existsSync(path.join(h.root, labPaths.snapshot(snapshotId))),
  };
}

describe.each(dialects)('$name', (dialect) => {
  describe.skipIf(dialect.skip !== null)('the lab keeps an array snapshot for its points', () => {
    it('kept for both VMs on the LUN; deleted with the last of their points', async () => {
      h = await createHarness({ dialect });
      const op = await h.enqueueBackup(keptBackup);
      const [done] = await h.tickUntilFinal(h.createWorker(), [op.id]);
      expect(done.status, done.error ?? '').toMatch(/^succeeded/);
      const capture = await snapshotOf(op.id);
      expect(capture.isOnArray()).toBe(true);
      expect(capture.pointIds).toHaveLength(2);
      for (const id of capture.pointIds)
        expect(await h.stores.restorePoints.get(id)).toMatchObject({
          locationKind: 'array-snapshot',
          locationRef: capture.snapshotId,
        });

      const ctx = createServiceContext({ now: () => h.clock.now(), newId: h.newId });
      const [first, last] = capture.pointIds;
      const deleteOne = async (pointId: string) => {
        const started = await startPointDelete(h.stores, ctx, pointId);
        const [deleted] = await h.tickUntilFinal(h.createWorker(), [started.operationId]);
        expect(deleted.status, deleted.error ?? '').toBe('succeeded');
        return started.plan.steps[0].title;
      };
      // The confirmation says, before anything runs, whether the snapshot goes with the point.
      expect((await describePointDeletion(h.stores, first)).arraySnapshot).toMatchObject({
        isDestroyed: false,
        keptByVmNames: [expect.any(String)],
      });
      expect(await deleteOne(first)).toMatch(/keeps array snapshot ".+" on the array for the points of /);
      expect(capture.isOnArray()).toBe(true);
      expect((await describePointDeletion(h.stores, last)).arraySnapshotWords).toMatch(
        /^destroys array snapshot/,
      );
      expect(await deleteOne(last)).toMatch(/destroys array snapshot ".+" on the array/);
      expect(capture.isOnArray()).toBe(false);
    });

    it('a run cancelled before its points are catalogued releases its snapshot', async () => {
      h = await createHarness({ dialect });
      const op = await h.enqueueBackup(keptBackup);
      const worker = h.createWorker();
      await h.tickUntil(worker, async () =>
        (await h.stores.operations.steps(op.id)).some(
          (step) => step.kind === 'array-snapshot' && step.status === 'succeeded',
        ),
      );
      const capture = await snapshotOf(op.id);
      expect(capture.isOnArray()).toBe(true);
      await h.stores.operations.cancel(op.id, h.clock.now(), 'system');
      const [done] = await h.tickUntilFinal(worker, [op.id]);

      expect(done.status).toBe('cancelled');
      expect(capture.pointIds).toEqual([]);
      expect(capture.isOnArray()).toBe(false);
    });
  });
});
