/**
 * A restore that has started overwriting live data can no longer be cancelled: stopped half-way,
 * the VM would be neither as it was nor as its point holds it, under an operation saying
 * "cancelled". The cancel is refused in words, changes nothing, and the restore runs to its end.
 * Before the overwrite starts, and for a restore as a new VM, a cancel still stops it.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { storeDialects } from '../../db/stores/contract/dialects';
import type { Harness } from '../jobs/test-harness';
import type { Worker } from '../jobs/worker';
import { cancelOperation, previewRestore, startBackup, startRestore } from './operations-service';
import { harnessPerTest, serviceRunHelpers } from './service-test-support';

let h: Harness;
let worker: Worker;

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const { ctx, run, pointOf } = serviceRunHelpers(() => ({ h, worker }));

/** app1 backed up, then its live disk changed: the point and the hash it holds. */
async function app1ChangedSinceItsPoint() {
  const backup = await startBackup(h.stores, ctx(), {
    scope: { kind: 'vms', vmIds: ['app1'] },
    consistencyPolicy: 'fallback',
    passthroughPolicy: 'skip',
  });
  expect((await run(backup)).status).toMatch(/^succeeded/);
  const point = await pointOf(backup.operationId, 'app1');
  const live = await h.driver.liveDiskFile('app1-os');
  const atPoint = sha256(live);
  writeFileSync(live, Buffer.alloc(4096, 7));
  return { point, live, atPoint, changed: sha256(live) };
}

async function startInPlace(restorePointId: string) {
  const request = { restorePointId, mode: 'in-place' as const };
  const plan = await previewRestore(h.stores, ctx(), request);
  return startRestore(h.stores, ctx(), { ...request, confirmation: plan.confirmationText ?? '' });
}

/** Holds the lab's restore of disks once it has begun, until released (or aborted). */
function holdRestoreOfDisks() {
  const hypervisor = h.driver.hypervisor();
  const original = hypervisor.restoreDisks.bind(hypervisor);
  let entered!: () => void;
  let release!: () => void;
  const isEntered = new Promise<void>((resolve) => {
    entered = resolve;
  });
  const isReleased = new Promise<void>((resolve) => {
    release = resolve;
  });
  hypervisor.restoreDisks = async (request, repository, options) => {
    entered();
    await isReleased;
    return original(request, repository, options);
  };
  return { entered: isEntered, release: () => release() };
}

/**
 * Ticks the worker until the lab's restore of disks has begun and is held: `pass` is the pass that
 * runs it (settled once the step is recorded), `held.release()` lets the restore go on.
 */
async function tickUntilDisksAreRestored() {
  const held = holdRestoreOfDisks();
  let isRestoring = false;
  void held.entered.then(() => {
    isRestoring = true;
  });
  let pass: Promise<void> = Promise.resolve();
  for (let passes = 0; !isRestoring; passes++) {
    if (passes >= 20) throw new Error('the restore of disks never started');
    pass = worker.tick();
    await Promise.race([pass, held.entered]);
  }
  return { held, pass };
}

const dialects = await storeDialects('restorecancel');

describe.each(dialects)('$name', (dialect) => {
  describe.skipIf(dialect.skip !== null)('cancelling a restore', () => {
    harnessPerTest(dialect, (harness, harnessWorker) => {
      h = harness;
      worker = harnessWorker;
    });

    it('in place, once its disks are being overwritten: refused in words, and the restore runs to its end', async () => {
      const { point, live, atPoint } = await app1ChangedSinceItsPoint();
      const restore = await startInPlace(point.id);
      const { held, pass } = await tickUntilDisksAreRestored();

      await expect(cancelOperation(h.stores, ctx(), restore.operationId)).rejects.toThrow(
        /^"Restore in place from .+" can no longer be cancelled: "Restore app1 in place" has started overwriting live data, .+ The restore runs to its end; the cancel changed nothing$/,
      );
      expect(await h.stores.operations.get(restore.operationId)).toMatchObject({
        status: 'running',
        cancelledBy: null,
        endingAs: null,
      });

      held.release();
      await pass;
      const done = await run(restore);
      expect(done.status).toBe('succeeded');
      expect(sha256(live)).toBe(atPoint);
    });

    it('in place, before anything is overwritten: cancelled, and the VM is left as it was', async () => {
      const { point, live, changed } = await app1ChangedSinceItsPoint();
      const restore = await startInPlace(point.id);
      // The first step (the point's verification) starts; nothing live is written yet.
      const claimed = await h.stores.operations.claimNext({
        workerId: 'w',
        now: h.clock.now(),
        leaseMs: 60_000,
      });
      expect(claimed?.step.kind).toBe('verify-point');

      const cancelled = await cancelOperation(h.stores, ctx(), restore.operationId);
      expect(cancelled.status).toBe('cancelling');
      if (!claimed) return;
      await h.stores.operations.completeStep(
        claimed,
        { status: 'succeeded' },
        { workerId: 'w', now: h.clock.now() },
      );
      const done = await run(restore);

      expect(done.status).toBe('cancelled');
      const steps = await h.stores.operations.steps(restore.operationId);
      expect(steps.find((step) => step.kind === 'restore-disks')).toMatchObject({
        status: 'cancelled',
        startedAt: null,
      });
      expect(sha256(live)).toBe(changed);
    });

    it('as a new VM, while its disks are copied: cancelled (nothing live is overwritten)', async () => {
      const { point } = await app1ChangedSinceItsPoint();
      const request = { restorePointId: point.id, mode: 'as-new' as const, newVmName: 'app1-copy' };
      const restore = await startRestore(h.stores, ctx(), request);
      const { held, pass } = await tickUntilDisksAreRestored();

      const cancelled = await cancelOperation(h.stores, ctx(), restore.operationId);
      expect(cancelled.status).toBe('cancelling');
      held.release();
      await pass;
      expect((await run(restore)).status).toBe('cancelled');
    });
  });
});
