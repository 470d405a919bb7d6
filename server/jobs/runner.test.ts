import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { storeDialects } from '../../db/stores/contract/dialects';
import { checkConsistency, LAB_DISK_BYTES } from '../drivers/lab/disk-image';
import type { BackupPlanRequest } from '../engine/backup-plan';
import { createHarness, type Harness } from './test-harness';

/** Options of a direct driver call in a test: no cancel, a deadline no lab call reaches. */
const CALL = { signal: new AbortController().signal, timeoutMs: 60_000 };

let h: Harness;

const backupOf = (vmIds: string[], extra: Partial<BackupPlanRequest> = {}): BackupPlanRequest => ({
  scope: { kind: 'vms', vmIds },
  consistencyPolicy: 'fallback',
  passthroughPolicy: 'skip',
  ...extra,
});

const arrayBackup = (
  policy: 'require' | 'fallback',
  extra: Partial<BackupPlanRequest> = {},
): BackupPlanRequest => ({
  scope: { kind: 'array-volume', arrayVolumeId: 'lun1' },
  methodByVm: { app1: 'array-snapshot', sql1: 'array-snapshot' },
  consistencyPolicy: policy,
  passthroughPolicy: 'skip',
  scripts: {
    sql1: {
      preFreeze: { command: 'echo quiescing sql && exit 0', timeoutSeconds: 30 },
      postThaw: { command: 'exit 0', timeoutSeconds: 30 },
    },
  },
  ...extra,
});

function stepsOf(operationId: string) {
  return h.stores.operations.steps(operationId);
}

/** The restore points an operation catalogued, read through the store ports. */
async function pointsOf(operationId: string) {
  const points = [];
  for (const vmId of await h.stores.restorePoints.vmIdsCataloguedBy(operationId)) {
    const page = await h.stores.restorePoints.browse({ vmId, sort: 'newest', limit: 100 });
    for (const item of page.items.filter((point) => point.operationId === operationId)) {
      points.push(await h.stores.restorePoints.get(item.id));
    }
  }
  return points as NonNullable<Awaited<ReturnType<Harness['stores']['restorePoints']['get']>>>[];
}

/** The events of an operation (optionally of one type), oldest first. */
async function eventsOf(operationId: string, type?: string) {
  const events = await h.stores.operations.readEventsAfter({ operationId, limit: 5000 });
  return events.filter((event) => type === undefined || event.type === type);
}

const dialects = await storeDialects('runner');

describe.each(dialects)('$name', (dialect) => {
  describe.skipIf(dialect.skip !== null)('stores', () => {
    beforeEach(async () => {
      h = await createHarness({ dialect });
    });
    afterEach(async () => {
      await h.close();
    });

    describe('runner: backups through the lab driver', () => {
      it('runs a hyperv-vss backup to a catalogued, hashed restore point and releases every lock', async () => {
        const op = await h.enqueueBackup(backupOf(['sql1']));
        const worker = h.createWorker();
        const [done] = await h.tickUntilFinal(worker, [op.id]);
        expect(done.status).toBe('succeeded');
        expect((await stepsOf(op.id)).map((step) => [step.kind, step.status])).toEqual([
          ['check', 'succeeded'],
          ['vss-snapshot', 'succeeded'],
          ['copy-to-repository', 'succeeded'],
          ['release-snapshot', 'succeeded'],
          ['catalog', 'succeeded'],
        ]);
        const [point] = await pointsOf(op.id);
        expect(point).toMatchObject({
          vmId: 'sql1',
          method: 'hyperv-vss',
          consistency: 'application',
          applicationState: 'clean',
        });
        expect(point.sizeBytes).toBeGreaterThan(0);
        // The log names the point by its VM and its consistency in words, never by ids or codes.
        const log = (await h.stores.operations.logs(op.id, 100)).map((line) => line.message);
        expect(log).toContain('restore point of sql1: Application-consistent');
        expect(log.join('\n')).not.toContain(point.id);
        expect(await h.stores.operations.findLeakedLocks()).toEqual([]);
        const types = (await eventsOf(op.id)).map((e) => e.type);
        expect(types[0]).toBe('operation.queued');
        const progress = await eventsOf(op.id, 'step.progress');
        expect(progress[0]?.payload).toMatchObject({
          stepKey: 'vm:sql1:copy-to-repository',
          bytesTotal: 2 * LAB_DISK_BYTES,
        });
        const copy = (await stepsOf(op.id)).find((step) => step.kind === 'copy-to-repository');
        expect(copy).toMatchObject({ bytesDone: 2 * LAB_DISK_BYTES, bytesTotal: 2 * LAB_DISK_BYTES });
        expect(types).toContain('operation.started');
        expect(types.at(-1)).toBe('operation.finished');
      });

      it('an array snapshot with freeze and scripts catalogues one point per VM on the LUN', async () => {
        const op = await h.enqueueBackup(arrayBackup('require'));
        const worker = h.createWorker();
        const [done] = await h.tickUntilFinal(worker, [op.id]);
        expect(done.status).toBe('succeeded');
        const points = await pointsOf(op.id);
        expect(points.map((point) => point.vmId).sort()).toEqual(['app1', 'sql1']);
        const sql = points.find((point) => point.vmId === 'sql1');
        expect(sql).toMatchObject({
          consistency: 'application',
          applicationState: 'clean',
          consistencyReason: null,
        });
        const logs = await h.stores.operations.logs(op.id, 1000);
        expect(logs.map((log) => log.message)).toContain('quiescing sql');
      });

      it('two conflicting operations never run at the same time', async () => {
        const first = await h.enqueueBackup(backupOf(['sql1']));
        const second = await h.enqueueBackup(arrayBackup('fallback')); // also locks vm:sql1
        const worker = h.createWorker({ concurrency: 4 });
        const [a, b] = await h.tickUntilFinal(worker, [first.id, second.id]);
        expect(a.status).toBe('succeeded');
        expect(b.status).toBe('succeeded');
        expect((a.finishedAt as Date).getTime()).toBeLessThanOrEqual((b.startedAt as Date).getTime());
        const waiting = (await eventsOf(second.id, 'operation.waiting')) as { payload: { reason: string } }[];
        // In words: the VM and the holding operation by name, not the lock key and operation id.
        expect(waiting[0]?.payload.reason).toBe(`waits for VM sql1 held by operation "${first.title}"`);
      });
    });

    describe('runner: faults end as the policy says', () => {
      it('freeze timeout under fallback: continues, the point is crash-consistent with the reason', async () => {
        h.driver.faults.inject({ fault: 'freeze-timeout', vmId: 'sql1' });
        const op = await h.enqueueBackup(arrayBackup('fallback'));
        const worker = h.createWorker();
        const [done] = await h.tickUntilFinal(worker, [op.id]);
        expect(done.status).toBe('succeeded-with-warnings');
        expect(done.warningsJson).toEqual([
          'Freeze the file systems of sql1: fallback: freeze of sql1 timed out after 60 s',
        ]);
        expect((await stepsOf(op.id)).find((step) => step.kind === 'guest-freeze')?.status).toBe('degraded');
        const sql = (await pointsOf(op.id)).find((point) => point.vmId === 'sql1');
        expect(sql?.consistency).toBe('crash');
        expect(sql?.consistencyReason).toMatch(/^fallback: freeze of sql1 timed out after 60 s/);
      });

      it('freeze timeout under require: fails that VM, still thaws, the other VM gets its point', async () => {
        h.driver.faults.inject({ fault: 'freeze-timeout', vmId: 'sql1' });
        const op = await h.enqueueBackup(arrayBackup('require'));
        const worker = h.createWorker();
        const [done] = await h.tickUntilFinal(worker, [op.id]);
        expect(done.status).toBe('failed');
        expect(done.error).toContain('sql1');
        const steps = await stepsOf(op.id);
        expect(steps.find((step) => step.kind === 'guest-thaw')?.status).toBe('succeeded');
        expect(steps.find((step) => step.key === 'vm:sql1:catalog')?.status).toBe('skipped');
        expect((await pointsOf(op.id)).map((point) => point.vmId)).toEqual(['app1']);
        expect(await h.stores.operations.findLeakedLocks()).toEqual([]);
      });

      it('VSS writer timeout: fallback retakes the snapshot unquiesced, require fails the VM', async () => {
        h.driver.faults.inject({ fault: 'vss-writer-timeout', vmId: 'sql1' });
        const fallback = await h.enqueueBackup(backupOf(['sql1']));
        const require = await h.enqueueBackup(backupOf(['sql1'], { consistencyPolicy: 'require' }));
        const worker = h.createWorker();
        const [a, b] = await h.tickUntilFinal(worker, [fallback.id, require.id]);
        expect(a.status).toBe('succeeded-with-warnings');
        expect(a.warningsJson.join('\n')).toMatch(/fallback: VSS writer of sql1 timed out/);
        expect((await pointsOf(a.id))[0]).toMatchObject({ consistency: 'crash' });
        expect((await pointsOf(a.id))[0].consistencyReason).toMatch(/fallback: VSS writer of sql1 timed out/);
        expect(b.status).toBe('failed');
        expect(await pointsOf(b.id)).toEqual([]);
        expect((await stepsOf(b.id)).find((step) => step.kind === 'release-snapshot')?.status).toBe(
          'succeeded',
        );
      });

      it('pre-freeze script exiting non-zero under require fails the VM; a failing post-thaw script is a warning', async () => {
        const failing = await h.enqueueBackup(
          arrayBackup('require', {
            scripts: { sql1: { preFreeze: { command: 'exit 3', timeoutSeconds: 5 } } },
          }),
        );
        const worker = h.createWorker();
        const [a] = await h.tickUntilFinal(worker, [failing.id]);
        expect(a.status).toBe('failed');
        expect((await stepsOf(a.id)).find((step) => step.kind === 'pre-freeze-script')?.error).toContain(
          'exited 3',
        );
        const warned = await h.enqueueBackup(
          arrayBackup('require', {
            scripts: { sql1: { postThaw: { command: 'exit 4', timeoutSeconds: 5 } } },
          }),
        );
        const [b] = await h.tickUntilFinal(worker, [warned.id]);
        expect(b.status).toBe('succeeded-with-warnings');
        expect(b.warningsJson).toEqual([
          'Run the post-thaw script in sql1: post-thaw script "exit 4" exited 4',
        ]);
        const sql = (await pointsOf(b.id)).find((point) => point.vmId === 'sql1');
        expect(sql?.consistency).toBe('application');
        expect(sql?.consistencyReason).toContain('warning: post-thaw script "exit 4" exited 4');
      });

      it('snapshot failure is retried, then fails the operation after running the thaw', async () => {
        h.driver.faults.inject({ fault: 'snapshot-failed', arrayVolumeId: 'lun1' });
        const op = await h.enqueueBackup(arrayBackup('require'));
        const worker = h.createWorker();
        const [done] = await h.tickUntilFinal(worker, [op.id]);
        expect(done.status).toBe('failed');
        const steps = await stepsOf(op.id);
        const snapshot = steps.find((step) => step.kind === 'array-snapshot');
        expect(snapshot).toMatchObject({ status: 'failed', attempts: 3, faultCode: 'snapshot-failed' });
        expect(steps.find((step) => step.kind === 'guest-thaw')?.status).toBe('succeeded');
        expect(steps.find((step) => step.kind === 'copy-to-repository')?.status).toBe('cancelled');
        expect(h.driver.isWorkloadWriting('sql1')).toBe(true);
      });

      it('host unreachable: retried and succeeds when it comes back, fails when it does not', async () => {
        h.driver.faults.inject({
          fault: 'host-unreachable',
          vmId: 'app1',
          action: 'createSnapshot',
          remaining: 2,
        });
        const recovers = await h.enqueueBackup(backupOf(['app1']));
        const worker = h.createWorker();
        const [a] = await h.tickUntilFinal(worker, [recovers.id]);
        expect(a.status).toBe('succeeded');
        expect((await stepsOf(a.id)).find((step) => step.kind === 'vss-snapshot')?.attempts).toBe(3);
        h.driver.faults.inject({ fault: 'host-unreachable', vmId: 'app1', action: 'createSnapshot' });
        const gone = await h.enqueueBackup(backupOf(['app1']));
        const [b] = await h.tickUntilFinal(worker, [gone.id]);
        expect(b.status).toBe('failed');
        expect((await stepsOf(b.id)).find((step) => step.kind === 'vss-snapshot')?.error).toMatch(
          /gave up after 3 attempts/,
        );
      });

      it('repository full fails at once (not retryable) and still releases the snapshot', async () => {
        h.driver.faults.inject({ fault: 'repository-full' });
        const op = await h.enqueueBackup(backupOf(['app1']));
        const worker = h.createWorker();
        const [done] = await h.tickUntilFinal(worker, [op.id]);
        expect(done.status).toBe('failed');
        const steps = await stepsOf(op.id);
        expect(steps.find((step) => step.kind === 'copy-to-repository')).toMatchObject({
          attempts: 1,
          faultCode: 'repository-full',
        });
        expect(steps.find((step) => step.kind === 'release-snapshot')?.status).toBe('succeeded');
      });
    });

    describe('runner: consistency is measured', () => {
      it('a crash-consistent capture of a VM under write is torn', async () => {
        await h.driver.ensureVm('web1');
        // web1 is held mid-transaction (log written, data page not yet) while it is captured.
        const release = h.driver.holdWorkloadMidTransaction('web1');
        const op = await h.enqueueBackup(backupOf(['web1']));
        const worker = h.createWorker();
        const [done] = await h.tickUntilFinal(worker, [op.id]);
        release();
        expect(done.status).toBe('succeeded');
        const [point] = await pointsOf(op.id);
        expect(point).toMatchObject({
          method: 'xen-snapshot',
          consistency: 'crash',
          applicationState: 'torn',
        });
        expect(h.driver.isWorkloadWriting('web1')).toBe(true);
      });

      it('frozen and saved-state captures of busy VMs are clean', async () => {
        await h.driver.ensureVm('legacy1');
        await h.driver.ensureVm('sql1');
        // Both are mid-transaction when captured: the save / freeze must flush it to be clean.
        const releases = [
          h.driver.holdWorkloadMidTransaction('legacy1'),
          h.driver.holdWorkloadMidTransaction('sql1'),
        ];
        const saved = await h.enqueueBackup(backupOf(['legacy1']));
        const frozen = await h.enqueueBackup(arrayBackup('require'));
        const worker = h.createWorker();
        await h.tickUntilFinal(worker, [saved.id, frozen.id]);
        for (const release of releases) release();
        const [legacy] = await pointsOf(saved.id);
        expect(legacy).toMatchObject({ captureState: 'saved-state', applicationState: 'clean' });
        expect((await stepsOf(saved.id)).map((step) => step.kind)).toEqual(
          expect.arrayContaining(['save-state', 'resume']),
        );
        expect((await pointsOf(frozen.id)).find((point) => point.vmId === 'sql1')?.applicationState).toBe(
          'clean',
        );
        expect(h.driver.isWorkloadWriting('legacy1')).toBe(true);
        expect(checkConsistency([await h.driver.liveDiskFile('legacy1-os')]).state).not.toBeNull();
      });
    });

    describe('runner: cancel', () => {
      async function statusOf(operationId: string, key: string): Promise<string | undefined> {
        return (await h.stores.operations.steps(operationId)).find((step) => step.key === key)?.status;
      }

      async function statusesOf(operationId: string): Promise<Record<string, string>> {
        return Object.fromEntries((await stepsOf(operationId)).map((step) => [step.key, step.status]));
      }

      /** Holds the repository copy until its call is aborted; `entered` resolves once a copy is waiting. */
      function holdCopyUntilAborted() {
        const repository = h.driver.repository;
        const original = repository.store.bind(repository);
        let entered!: () => void;
        const isEntered = new Promise<void>((resolve) => {
          entered = resolve;
        });
        repository.store = async (request, options) => {
          entered();
          await new Promise<void>((resolve) => {
            if (options.signal.aborted) resolve();
            options.signal.addEventListener('abort', () => resolve(), { once: true });
          });
          return original(request, options);
        };
        return { entered: isEntered };
      }

      it('cancel while a guest is frozen: thaw and post-thaw script still run, the rest is cancelled', async () => {
        const op = await h.enqueueBackup(arrayBackup('require'));
        const worker = h.createWorker();
        await h.tickUntil(
          worker,
          async () => (await statusOf(op.id, 'vm:sql1:guest-freeze')) === 'succeeded',
        );
        expect(await h.stores.operations.cancel(op.id, h.clock.now(), 'system')).toBe('cancelling');
        const [done] = await h.tickUntilFinal(worker, [op.id]);
        expect(done.status).toBe('cancelled');
        const statuses = await statusesOf(op.id);
        expect(statuses['vm:sql1:guest-thaw']).toBe('succeeded');
        expect(statuses['vm:sql1:post-thaw-script']).toBe('succeeded');
        expect(statuses['vm:sql1:catalog']).toBe('cancelled');
        // Cancelled right after the freeze: the snapshot never started, so there is nothing to release.
        expect(statuses['array-volumes:lun1:array-snapshot']).toBe('cancelled');
        expect(statuses['array-volumes:lun1:release-snapshot']).toBe('skipped');
        expect(h.driver.isWorkloadWriting('sql1')).toBe(true);
        expect(await h.stores.operations.findLeakedLocks()).toEqual([]);
      });

      it('cancel while in saved state: the VM is resumed', async () => {
        const op = await h.enqueueBackup(backupOf(['legacy1']));
        const worker = h.createWorker();
        await h.tickUntil(
          worker,
          async () => (await statusOf(op.id, 'vm:legacy1:save-state')) === 'succeeded',
        );
        expect(await h.driver.hypervisor().getPowerState('legacy1', CALL)).toBe('saved');
        await h.stores.operations.cancel(op.id, h.clock.now(), 'system');
        const [done] = await h.tickUntilFinal(worker, [op.id]);
        expect(done.status).toBe('cancelled');
        expect((await statusesOf(op.id))['vm:legacy1:resume']).toBe('succeeded');
        expect(await h.driver.hypervisor().getPowerState('legacy1', CALL)).toBe('running');
      });

      it('cancel during the copy aborts it and still releases the snapshot', async () => {
        const op = await h.enqueueBackup(backupOf(['app1']));
        // A short lease: the renewal that carries the cancel to the step comes every leaseMs / 3.
        const worker = h.createWorker({ leaseMs: 150 });
        const copy = holdCopyUntilAborted();
        let pass: Promise<void> = Promise.resolve();
        let isCopying = false;
        void copy.entered.then(() => {
          isCopying = true;
        });
        for (let passes = 0; !isCopying; passes++) {
          if (passes >= 20) throw new Error('the copy never started');
          pass = worker.tick();
          await Promise.race([pass, copy.entered]);
        }
        expect(await statusOf(op.id, 'vm:app1:copy-to-repository')).toBe('running');
        await h.stores.operations.cancel(op.id, h.clock.now(), 'system');
        await pass; // the copy returns only once the cancel has aborted it
        const [done] = await h.tickUntilFinal(worker, [op.id]);
        expect(done.status).toBe('cancelled');
        const statuses = await statusesOf(op.id);
        expect(statuses['vm:app1:copy-to-repository']).toBe('cancelled');
        expect(statuses['vm:app1:release-snapshot']).toBe('succeeded');
        expect(await pointsOf(op.id)).toEqual([]);
      });

      it('a queued operation is cancelled at once, with nothing run', async () => {
        const op = await h.enqueueBackup(backupOf(['app1']));
        expect(await h.stores.operations.cancel(op.id, h.clock.now(), 'system')).toBe('cancelled');
        expect(
          (await stepsOf(op.id)).every((step) => step.status === 'cancelled' && step.startedAt === null),
        ).toBe(true);
      });
    });
  });
});
