/**
 * A cancel that stops nothing is not reported as a cancel: a backup cancelled when its points were
 * all catalogued (only the release of its snapshot left) ends as its steps say, and a point's
 * deletion that had started when the cancel came runs to its end (stopped half-way, the point would
 * stay listed with its data gone) and the operation says the point was deleted.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { storeDialects } from '../../db/stores/contract/dialects';
import { createServiceContext } from '../context';
import { labPaths } from '../drivers/lab/layout';
import type { BackupPlanRequest } from '../engine/backup-plan';
import { createHarness, type Harness } from '../jobs/test-harness';
import { manualWorker } from '../jobs/worker-test-support';
import { startPointDelete } from './restore-point-service';
import { quietLog } from './service-test-support';

let h: Harness;

const keptBackup: BackupPlanRequest = {
  scope: { kind: 'array-volume', arrayVolumeId: 'lun1' },
  methodByVm: { app1: 'array-snapshot', sql1: 'array-snapshot' },
  consistencyPolicy: 'fallback',
  passthroughPolicy: 'skip',
  keepArraySnapshot: true,
};

const app1Backup: BackupPlanRequest = {
  scope: { kind: 'vms', vmIds: ['app1'] },
  consistencyPolicy: 'fallback',
  passthroughPolicy: 'skip',
};

async function stepOfKind(operationId: string, kind: string) {
  return (await h.stores.operations.steps(operationId)).filter((step) => step.kind === kind);
}

/** The point a one-VM backup catalogued. */
async function pointIdOf(operationId: string): Promise<string> {
  const [catalog] = await stepOfKind(operationId, 'catalog');
  const result = catalog?.resultJson as { restorePointId?: string } | null | undefined;
  if (!result?.restorePointId) throw new Error(`operation ${operationId} catalogued no point`);
  return result.restorePointId;
}

/** Holds the repository's delete of a point after it has deleted the data, until released or aborted. */
function holdDeleteAfterItsWork() {
  const repository = h.driver.repository;
  const original = repository.delete.bind(repository);
  let entered!: () => void;
  let release!: () => void;
  const isEntered = new Promise<void>((resolve) => {
    entered = resolve;
  });
  repository.delete = async (restorePointId, options) => {
    await original(restorePointId, options);
    entered();
    await new Promise<void>((resolve) => {
      release = resolve;
      options.signal.addEventListener('abort', () => resolve(), { once: true });
    });
  };
  return { entered: isEntered, release: () => release() };
}

/** Every lease renewal the worker asks for, so a test can wait until they are answered. */
function watchRenewals() {
  const operations = h.stores.operations;
  const original = operations.renewLease.bind(operations);
  const answered: Promise<unknown>[] = [];
  operations.renewLease = (...args) => {
    const renewal = original(...args);
    answered.push(renewal);
    return renewal;
  };
  return async () => {
    await Promise.all(answered);
    // The renewal's answer is acted on (an abort, or not) in the turn it arrives.
    await new Promise((resolve) => setImmediate(resolve));
  };
}

const dialects = await storeDialects('late-cancel');

describe.each(dialects)('$name', (dialect) => {
  describe.skipIf(dialect.skip !== null)('a cancel that came too late to stop anything', () => {
    beforeEach(async () => {
      h = await createHarness({ dialect });
    });
    afterEach(async () => {
      await h.close();
    });

    it('a backup whose points are all catalogued when the cancel comes ends succeeded, its points kept', async () => {
      const op = await h.enqueueBackup(keptBackup);
      const worker = h.createWorker();
      await h.tickUntil(worker, async () =>
        (await stepOfKind(op.id, 'catalog')).every((step) => step.status === 'succeeded'),
      );
      const [release] = await stepOfKind(op.id, 'release-snapshot');
      expect(release?.status).toBe('pending');

      expect(await h.stores.operations.cancel(op.id, h.clock.now(), 'alice')).toBe('cancelling');
      const [done] = await h.tickUntilFinal(worker, [op.id]);

      expect(done.status).toMatch(/^succeeded/);
      expect(done.error).toBeNull();
      expect(done.cancelledBy).toBe('alice');
      expect((await h.stores.restorePoints.vmIdsCataloguedBy(op.id)).sort()).toEqual(['app1', 'sql1']);
      const finished = (await h.stores.operations.readEventsAfter({ operationId: op.id, limit: 5000 })).find(
        (event) => event.type === 'operation.finished',
      );
      expect(finished?.payload).toMatchObject({ status: done.status, error: null });
    });

    it("a point's deletion under way when the cancel comes runs to its end: the point leaves the catalogue", async () => {
      const backup = await h.enqueueBackup(app1Backup);
      expect((await h.tickUntilFinal(h.createWorker(), [backup.id]))[0].status).toMatch(/^succeeded/);
      const pointId = await pointIdOf(backup.id);
      const pointData = path.join(h.root, labPaths.repository(pointId));
      expect(existsSync(pointData)).toBe(true);

      const ctx = createServiceContext({ now: () => h.clock.now(), newId: h.newId, log: quietLog });
      const started = await startPointDelete(h.stores, ctx, pointId);
      const held = holdDeleteAfterItsWork();
      const renewalsAnswered = watchRenewals();
      const { worker, manual } = manualWorker(h);
      let pass: Promise<void> = Promise.resolve();
      let isDeleting = false;
      void held.entered.then(() => {
        isDeleting = true;
      });
      for (let passes = 0; !isDeleting; passes++) {
        if (passes >= 20) throw new Error('the deletion never started');
        pass = worker.tick();
        await Promise.race([pass, held.entered]);
      }
      expect(existsSync(pointData)).toBe(false); // the repository has deleted the point's data

      expect(await h.stores.operations.cancel(started.operationId, h.clock.now(), 'alice')).toBe(
        'cancelling',
      );
      manual.beat(); // the lease renewal that tells the step of the cancel
      await renewalsAnswered();
      held.release();
      await pass;
      const [done] = await h.tickUntilFinal(worker, [started.operationId]);

      expect(await h.stores.restorePoints.get(pointId)).toBeNull();
      expect(done.status).toBe('succeeded');
      expect(done.error).toBeNull();
      const [deletion] = await stepOfKind(started.operationId, 'delete-point');
      expect(deletion?.status).toBe('succeeded');
    });

    it("a point's deletion whose worker died during a cancel is run again to its end, not dropped half-done", async () => {
      const backup = await h.enqueueBackup(app1Backup);
      expect((await h.tickUntilFinal(h.createWorker(), [backup.id]))[0].status).toMatch(/^succeeded/);
      const pointId = await pointIdOf(backup.id);

      const ctx = createServiceContext({ now: () => h.clock.now(), newId: h.newId, log: quietLog });
      const started = await startPointDelete(h.stores, ctx, pointId);
      // A worker claims the deletion, deletes the point's data, and dies before the catalogue row goes.
      const claimed = await h.stores.operations.claimNext({
        workerId: 'gone',
        now: h.clock.now(),
        leaseMs: 2000,
      });
      expect(claimed?.step.kind).toBe('delete-point');
      await h.driver.repository.delete(pointId, {
        signal: new AbortController().signal,
        timeoutMs: 60_000,
      });
      expect(await h.stores.operations.cancel(started.operationId, h.clock.now(), 'alice')).toBe(
        'cancelling',
      );
      h.clock.advance(5000); // its lease expires

      const [done] = await h.tickUntilFinal(h.createWorker(), [started.operationId]);

      expect(await h.stores.restorePoints.get(pointId)).toBeNull();
      expect(done.status).toBe('succeeded');
      const [deletion] = await stepOfKind(started.operationId, 'delete-point');
      expect(deletion).toMatchObject({ status: 'succeeded', attempts: 2 });
    });
  });
});
