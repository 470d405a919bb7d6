import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { storeDialects } from '../../db/stores/contract/dialects';
import { SCHEDULER_ACTOR } from '../context';
import { describePoint, planPointDelete } from '../engine/point-plan';
import type { Harness } from '../jobs/test-harness';
import type { Worker } from '../jobs/worker';
import { createBackupJob, getBackupJob, runBackupJobNow, setBackupJobEnabled } from './backup-job-service';
import { DomainError } from './errors';
import {
  cancelOperation,
  getOperation,
  listEventsSince,
  listOperations,
  previewBackup,
  previewRestore,
  startBackup,
  startRestore,
} from './operations-service';
import { browseRestorePoints } from './restore-point-browser-service';
import { getRestorePoint, startPointDelete, startPointVerify } from './restore-point-service';
import { retryFailed } from './retry-service';
import { previewSchedule } from './schedule-preview';
import { runDueBackupJobs } from './scheduled-runs';
import { harnessPerTest, serviceRunHelpers } from './service-test-support';

let h: Harness;
/** Drives the operations with explicit passes under the harness clock. */
let worker: Worker;

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const { ctx, run, pointOf, volumeBackup } = serviceRunHelpers(() => ({ h, worker }));

async function storedHash(pointId: string, diskId: string): Promise<string> {
  const detail = await getRestorePoint(h.stores, pointId);
  return detail.files.find((file) => file.diskId === diskId)?.sha256 as string;
}

const dialects = await storeDialects('opsservice');

describe.each(dialects)('$name', (dialect) => {
  describe.skipIf(dialect.skip !== null)('stores', () => {
    harnessPerTest(dialect, (harness, harnessWorker) => {
      h = harness;
      worker = harnessWorker;
    });

    describe('backup and restore through the services', () => {
      it('backup → change the VM file → restore in place: every hash equal again', async () => {
        const backup = await startBackup(h.stores, ctx(), {
          scope: { kind: 'vms', vmIds: ['app1'] },
          consistencyPolicy: 'require',
          passthroughPolicy: 'skip',
        });
        expect((await run(backup)).status).toBe('succeeded');
        const point = await pointOf(backup.operationId, 'app1');
        const live = await h.driver.liveDiskFile('app1-os');
        const before = sha256(live);
        expect(await storedHash(point.id, 'app1-os')).toBe(before);
        writeFileSync(live, Buffer.alloc(4096, 9));
        expect(sha256(live)).not.toBe(before);

        await expect(
          startRestore(h.stores, ctx(), { restorePointId: point.id, mode: 'in-place' }),
        ).rejects.toThrow(/Type the VM name "app1"/);
        const plan = await previewRestore(h.stores, ctx(), { restorePointId: point.id, mode: 'in-place' });
        const restore = await startRestore(h.stores, ctx(), {
          restorePointId: point.id,
          mode: 'in-place',
          confirmation: plan.confirmationText ?? '',
        });
        const restored = await run(restore);
        expect(restored.status).toBe('succeeded');
        // Named by its point as operators know it, never by the point's id.
        expect(restored.title).toBe(`Restore in place from ${describePoint(point)}`);
        expect(sha256(live)).toBe(before);
        const detail = await getOperation(h.stores, restore.operationId);
        expect(detail.steps.map((step) => step.kind)).toEqual(
          expect.arrayContaining(['verify-point', 'restore-disks']),
        );
        expect(detail.steps.every((step) => step.status === 'succeeded')).toBe(true);
      });

      it('a volume revert really rolls back the collateral VM', async () => {
        const backupId = await volumeBackup();
        const point = await pointOf(backupId, 'app1');
        const collateral = await h.driver.liveDiskFile('sql1-os');
        const collateralAtBackup = await storedHash((await pointOf(backupId, 'sql1')).id, 'sql1-os');
        writeFileSync(collateral, 'sql1 changed after the backup');

        const plan = await previewRestore(h.stores, ctx(), {
          restorePointId: point.id,
          mode: 'volume-revert',
        });
        expect(plan.collateral.map((vm) => vm.vmId)).toEqual(['sql1']);
        const restore = await startRestore(h.stores, ctx(), {
          restorePointId: point.id,
          mode: 'volume-revert',
          confirmation: plan.confirmationText ?? '',
          acknowledgedStoppedVmIds: plan.stoppedVms.map((vm) => vm.vmId),
        });
        const done = await run(restore);
        expect(done.status, done.error ?? '').toBe('succeeded');
        expect(sha256(collateral)).toBe(collateralAtBackup);
        expect(await h.stores.operations.findLeakedLocks()).toEqual([]);
      });

      it('a staged restore brings back only the chosen VM and leaves the collateral untouched', async () => {
        const backupId = await volumeBackup();
        const point = await pointOf(backupId, 'app1');
        const target = await h.driver.liveDiskFile('app1-os');
        const collateral = await h.driver.liveDiskFile('sql1-os');
        writeFileSync(target, 'app1 changed');
        writeFileSync(collateral, 'sql1 changed');

        const plan = await previewRestore(h.stores, ctx(), { restorePointId: point.id, mode: 'staged' });
        const restore = await startRestore(h.stores, ctx(), {
          restorePointId: point.id,
          mode: 'staged',
          confirmation: plan.confirmationText ?? undefined,
        });
        const done = await run(restore);
        expect(done.status, done.error ?? '').toBe('succeeded');
        expect(sha256(target)).toBe(await storedHash(point.id, 'app1-os'));
        expect(readFileSync(collateral, 'utf8')).toBe('sql1 changed');
        expect(existsSync(path.join(h.root, 'staging'))).toBe(true);
        expect(
          (await getOperation(h.stores, restore.operationId)).steps.find(
            (step) => step.kind === 'discard-staging',
          )?.status,
        ).toBe('succeeded');
      });
    });

    describe('refusals and queueing', () => {
      it('a restore as a new VM is refused a name taken anywhere in the estate, not only near the point', async () => {
        const backup = await startBackup(h.stores, ctx(), {
          scope: { kind: 'vms', vmIds: ['app1'] },
          consistencyPolicy: 'require',
          passthroughPolicy: 'skip',
        });
        await run(backup);
        const point = await pointOf(backup.operationId, 'app1');
        // web1 lives on the XenServer host: outside app1's neighbourhood, still a clash.
        const plan = await previewRestore(h.stores, ctx(), {
          restorePointId: point.id,
          mode: 'as-new',
          newVmName: 'WEB1',
        });
        expect(plan.isRunnable).toBe(false);
        expect(plan.blockedReasons).toContain(
          'A VM named "web1" already exists; choose another name for the restored VM',
        );
      });

      it('bad input is INVALID_INPUT naming the field; nothing is written', async () => {
        const error = await startBackup(h.stores, ctx(), {
          scope: { kind: 'vms', vmIds: [] },
          consistencyPolicy: 'require',
          passthroughPolicy: 'skip',
        }).catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(DomainError);
        expect((error as DomainError).code).toBe('INVALID_INPUT');
        expect((error as DomainError).fieldErrors[0]).toMatchObject({
          path: 'scope.vmIds',
          message: 'Choose at least one VM',
        });
        expect((await listOperations(h.stores)).items).toEqual([]);
      });

      it('a blocked plan is PRECONDITION_FAILED naming the blocker', async () => {
        const request = {
          scope: { kind: 'vms' as const, vmIds: ['web1'] },
          methodByVm: { web1: 'hyperv-vss' as const },
          consistencyPolicy: 'require' as const,
          passthroughPolicy: 'skip' as const,
        };
        expect((await previewBackup(h.stores, ctx(), request)).isRunnable).toBe(false);
        await expect(startBackup(h.stores, ctx(), request)).rejects.toThrow(
          /The backup cannot run: .*Hyper-V VSS/,
        );
        expect((await listOperations(h.stores)).items).toEqual([]);
      });

      it('a conflicting backup is queued with the reason it waits, not rejected', async () => {
        const request = {
          scope: { kind: 'vms' as const, vmIds: ['sql1'] },
          consistencyPolicy: 'require' as const,
          passthroughPolicy: 'skip' as const,
        };
        const first = await startBackup(
          h.stores,
          ctx({ now: () => new Date('2026-01-01T00:00:00Z') }),
          request,
        );
        const second = await startBackup(
          h.stores,
          ctx({ now: () => new Date('2026-01-01T00:00:01Z') }),
          request,
        );
        await h.stores.operations.claimNext({ workerId: 'w', now: new Date(), leaseMs: 60_000 });
        const page = await listOperations(h.stores, { status: ['waiting'] });
        expect(page.items.map((item) => item.id)).toEqual([second.operationId]);
        const holder = await h.stores.operations.get(first.operationId);
        expect(page.items[0].waitingReason).toBe(`waits for VM sql1 held by operation "${holder?.title}"`);
        const cancelled = await cancelOperation(h.stores, ctx(), second.operationId);
        expect(cancelled.status).toBe('cancelled');
        expect(cancelled.cancelledBy).toBe('system');
        await expect(cancelOperation(h.stores, ctx(), second.operationId)).rejects.toThrow(/already ended/);
      });

      it('lists operations newest first with a cursor, and streams events after an id', async () => {
        const request = (vmId: string) => ({
          scope: { kind: 'vms' as const, vmIds: [vmId] },
          consistencyPolicy: 'fallback' as const,
          passthroughPolicy: 'skip' as const,
        });
        const ids: string[] = [];
        for (const [i, vmId] of ['app1', 'sql1', 'web1'].entries()) {
          const started = await startBackup(
            h.stores,
            ctx({ now: () => new Date(Date.UTC(2026, 0, 1, 0, i)) }),
            request(vmId),
          );
          ids.push(started.operationId);
        }
        const first = await listOperations(h.stores, { limit: 2 });
        expect(first.items.map((item) => item.id)).toEqual([ids[2], ids[1]]);
        const second = await listOperations(h.stores, { limit: 2, cursor: first.nextCursor ?? undefined });
        expect(second.items.map((item) => item.id)).toEqual([ids[0]]);
        expect(second.nextCursor).toBeNull();
        expect((await listOperations(h.stores, { vmId: 'sql1' })).items.map((item) => item.id)).toEqual([
          ids[1],
        ]);

        const events = await listEventsSince(h.stores, {});
        expect(events.map((event) => event.type)).toEqual([
          'operation.queued',
          'operation.queued',
          'operation.queued',
        ]);
        expect(
          (await listEventsSince(h.stores, { afterId: events[1].id })).map((event) => event.operationId),
        ).toEqual([ids[2]]);
      });

      it('retry-failed starts a new operation for just the VMs that failed', async () => {
        h.driver.faults.inject({ fault: 'vss-writer-timeout', vmId: 'sql1', remaining: 1 });
        const failed = await startBackup(h.stores, ctx(), {
          scope: { kind: 'vms', vmIds: ['app1', 'sql1'] },
          consistencyPolicy: 'require',
          passthroughPolicy: 'skip',
        });
        const done = await run(failed);
        expect(done.status).toBe('failed');
        expect(await pointOf(failed.operationId, 'app1')).toBeDefined();
        const retry = await retryFailed(h.stores, ctx(), failed.operationId);
        expect(retry.plan.kind === 'backup' && retry.plan.vms.map((vm) => vm.vmId)).toEqual(['sql1']);
        const [again] = await h.tickUntilFinal(worker, [retry.operationId]);
        expect(again.status).toBe('succeeded');
        expect(again.retryOfId).toBe(failed.operationId);
        expect((await pointOf(retry.operationId, 'sql1')).consistency).toBe('application');
      });
    });

    describe('restore point catalogue', () => {
      it('lists by VM; verifies (intact, then corrupt after tampering) and deletes data and row, as operations recording who asked', async () => {
        const backupId = await volumeBackup();
        const page = await browseRestorePoints(h.stores, { vmId: 'sql1' });
        expect(page.items.map((point) => point.id)).toEqual([(await pointOf(backupId, 'sql1')).id]);
        const filtered = await browseRestorePoints(h.stores, {
          method: 'wsb-volume',
          consistency: 'application',
        });
        expect(filtered.items).toHaveLength(1);
        const id = page.items[0].id;
        const asUser = ctx({
          actor: { kind: 'user', id: '42', name: 'Ada', email: 'ada@example.com', role: 'operator' },
        });

        // Queued, not done inside the request: nothing is recorded until the runner runs it.
        const first = await startPointVerify(h.stores, asUser, id);
        expect(first.title).toMatch(/^Verify the 2026-03-01 10:0\d UTC point of sql1$/);
        expect(first.status).toBe('queued');
        expect((await getRestorePoint(h.stores, id)).verifications).toEqual([]);
        const verified = await run(first);
        expect(verified.status).toBe('succeeded');
        expect(verified.kind).toBe('verify-point');
        expect(verified.requestedBy).toBe('user:42');
        const events = await h.stores.operations.readEventsAfter({ operationId: first.operationId });
        expect(events.find((event) => event.type === 'restore-point.verified')?.payload).toMatchObject({
          restorePointId: id,
          verdict: 'intact',
        });

        writeFileSync(path.join(h.root, 'repository', id, 'sql1-os.img'), 'bit rot');
        const second = await run(await startPointVerify(h.stores, ctx(), id));
        expect(second.status).toBe('failed');
        // The point is named by its VM and time, not by its id.
        expect(second.error).toMatch(
          /the 2026-03-01 10:0\d UTC point of sql1 is corrupt: its stored data does not match its manifest/,
        );
        expect(second.error).not.toContain(id);
        expect((await getRestorePoint(h.stores, id)).point.lastVerdict).toBe('corrupt');
        expect((await getRestorePoint(h.stores, id)).verifications.map((v) => v.verdict)).toEqual([
          'corrupt',
          'intact',
        ]);
        expect((await h.stores.restorePoints.verifications(id)).map((v) => v.requestedBy)).toEqual([
          'system',
          'user:42',
        ]);

        const deletion = await startPointDelete(h.stores, asUser, id);
        expect(deletion.impact).toMatchObject({ vmName: 'sql1', isOnlyPointOfVm: true });
        expect(existsSync(path.join(h.root, 'repository', id))).toBe(true);
        const deleted = await run(deletion);
        expect(deleted.status).toBe('succeeded');
        expect(deleted.requestedBy).toBe('user:42');
        expect(existsSync(path.join(h.root, 'repository', id))).toBe(false);
        expect((await browseRestorePoints(h.stores, { vmId: 'sql1' })).items).toEqual([]);
        const deletedEvent = (
          await h.stores.operations.readEventsAfter({ operationId: deletion.operationId })
        ).find((event) => event.type === 'restore-point.deleted');
        expect(deletedEvent?.payload).toMatchObject({ restorePointId: id, reason: 'deleted by user:42' });
        await expect(startPointVerify(h.stores, ctx(), id)).rejects.toThrow(
          'This restore point no longer exists: retention or an admin deleted it since it was listed',
        );
        // The failed verify's retry is refused naming the verify, not the deleted point's id.
        const refusal = await retryFailed(h.stores, ctx(), second.id).catch((error: unknown) => error);
        expect(refusal).toBeInstanceOf(DomainError);
        expect((refusal as DomainError).message).toBe(
          `"${second.title}" cannot be retried: its restore point was deleted since`,
        );
      });

      it('a delete queued while a restore from the point runs waits for it (admission in the claim), then deletes', async () => {
        const backupId = await volumeBackup();
        const point = await pointOf(backupId, 'app1');
        const restore = await startRestore(h.stores, ctx(), {
          restorePointId: point.id,
          mode: 'as-new',
          newVmName: 'app1-copy',
        });
        await worker.tick(); // the restore is admitted: it holds point:<id>
        expect((await h.stores.operations.get(restore.operationId))?.status).toBe('running');
        await expect(startPointDelete(h.stores, ctx(), point.id)).rejects.toThrow(
          /point of app1 is in use by the restore “Restore as a new VM from the .* point of app1”; delete it when the restore has finished/,
        );
        // The request's check raced with the restore (it started just after): the claim still keeps them apart.
        const raced = await h.stores.operations.enqueue(
          planPointDelete(point, 'system'),
          {},
          {
            id: 'op-raced-delete',
            now: h.clock.now(),
            requestedBy: 'system',
          },
        );
        await worker.tick();
        const waiting = await h.stores.operations.get(raced.id);
        expect(waiting?.status).toBe('waiting');
        const holder = await h.stores.operations.get(restore.operationId);
        const taken = point.createdAt.toISOString().slice(0, 16).replace('T', ' ');
        expect(waiting?.waitingReason).toBe(
          `waits for the restore point of app1 taken ${taken} UTC held by operation "${holder?.title}"`,
        );
        const [restored, deleted] = await h.tickUntilFinal(worker, [restore.operationId, raced.id]);
        expect(restored.status, restored.error ?? '').toBe('succeeded');
        expect(deleted.status).toBe('succeeded');
        expect(deleted.startedAt?.getTime()).toBeGreaterThanOrEqual(
          restored.finishedAt?.getTime() ?? Infinity,
        );
        expect(await h.stores.restorePoints.get(point.id)).toBeNull();
        expect(await h.stores.operations.findLeakedLocks()).toEqual([]);
      });

      it('a restore from a point whose deletion is queued is refused at start, and nothing is queued', async () => {
        const backupId = await volumeBackup();
        const point = await pointOf(backupId, 'app1');
        const deletion = await startPointDelete(h.stores, ctx(), point.id);
        const before = (await listOperations(h.stores, {})).items.length;
        await expect(
          startRestore(h.stores, ctx(), { restorePointId: point.id, mode: 'as-new', newVmName: 'app1-copy' }),
        ).rejects.toThrow(
          'This restore point is being deleted; choose another point, or cancel its deletion first',
        );
        expect((await listOperations(h.stores, {})).items).toHaveLength(before);
        const [deleted] = await h.tickUntilFinal(worker, [deletion.operationId]);
        expect(deleted.status).toBe('succeeded');
        expect(existsSync(path.join(h.root, 'repository', point.id))).toBe(false);
      });

      it('retries a failed verify as a new operation on the same point', async () => {
        const backupId = await volumeBackup();
        const id = (await pointOf(backupId, 'sql1')).id;
        writeFileSync(path.join(h.root, 'repository', id, 'sql1-os.img'), 'bit rot');
        const failed = await startPointVerify(h.stores, ctx(), id);
        expect((await run(failed)).status).toBe('failed');
        const retry = await retryFailed(h.stores, ctx(), failed.operationId);
        const again = await run(retry);
        expect(again.kind).toBe('verify-point');
        expect(again.retryOfId).toBe(failed.operationId);
        expect(again.status).toBe('failed');
      });

      it('rejects a date range that ends before it starts', async () => {
        await expect(
          browseRestorePoints(h.stores, { createdFrom: '2026-02-01', createdTo: '2026-01-01' }),
        ).rejects.toThrow(/start of the date range is after its end/);
      });
    });

    describe('backup jobs', () => {
      const jobInput = (overrides: Record<string, unknown> = {}) => ({
        name: 'nightly app1',
        request: {
          scope: { kind: 'vms' as const, vmIds: ['app1'] },
          consistencyPolicy: 'require' as const,
          passthroughPolicy: 'skip' as const,
        },
        schedule: { cron: '0 2 * * *', timeZone: 'UTC' },
        missedRunPolicy: 'run-once' as const,
        retention: { keepLast: 1, daily: 0, weekly: 0, monthly: 0 },
        rpoHours: 24,
        isEnabled: true,
        ...overrides,
      });

      const scheduler = (at: string) => ctx({ actor: SCHEDULER_ACTOR, now: () => new Date(at) });

      it('previews the next runs of a schedule', () => {
        const preview = previewSchedule(ctx({ now: () => new Date('2026-01-01T00:00:00Z') }), {
          cron: '0 2 * * *',
          timeZone: 'Europe/Warsaw',
          count: 2,
        });
        expect(preview.nextRuns.map((date) => date.toISOString())).toEqual([
          '2026-01-01T01:00:00.000Z',
          '2026-01-02T01:00:00.000Z',
        ]);
      });

      it('the scheduler starts a due run once; retention prunes older points and their data', async () => {
        const created = await createBackupJob(
          h.stores,
          ctx({ now: () => new Date('2026-01-01T00:00:00Z') }),
          jobInput(),
        );
        expect(created.nextRunAt?.toISOString()).toBe('2026-01-01T02:00:00.000Z');
        expect((await runDueBackupJobs(h.stores, scheduler('2026-01-01T01:59:00Z'))).started).toEqual([]);
        const tick = await runDueBackupJobs(h.stores, scheduler('2026-01-01T02:00:10Z'));
        expect(tick.started).toHaveLength(1);
        expect((await runDueBackupJobs(h.stores, scheduler('2026-01-01T02:00:20Z'))).started).toEqual([]);
        const scheduled = await h.stores.operations.get(tick.started[0].operationId);
        expect(scheduled).toMatchObject({
          requestedBy: 'scheduler',
          title: `Backup job ${created.name} (scheduled)`,
        });
        await h.tickUntilFinal(worker, [tick.started[0].operationId]);
        const second = await runBackupJobNow(h.stores, ctx(), created.id);
        // "Run now" is told apart from the schedule's runs.
        expect((await h.stores.operations.get(second.operationId))?.title).toBe(
          `Backup job ${created.name} (run manually)`,
        );
        const [done] = await h.tickUntilFinal(worker, [second.operationId]);
        expect(done.status).toBe('succeeded');
        const points = (await browseRestorePoints(h.stores, { jobId: created.id })).items;
        expect(points.map((point) => point.operationId)).toEqual([second.operationId]);
        const firstPlan = (await getOperation(h.stores, tick.started[0].operationId)).operation.plan;
        const prunedId = firstPlan.kind === 'backup' ? firstPlan.vms[0].restorePointId : '';
        expect(prunedId).not.toBe('');
        expect(existsSync(path.join(h.root, 'repository', prunedId))).toBe(false);
        expect(existsSync(path.join(h.root, 'repository', points[0].id))).toBe(true);
      });

      it('retention keeps a point a running verify reads, and prunes it on the next run', async () => {
        const created = await createBackupJob(h.stores, ctx(), jobInput());
        const first = await runBackupJobNow(h.stores, ctx(), created.id);
        await h.tickUntilFinal(worker, [first.operationId]);
        const [oldPoint] = (await browseRestorePoints(h.stores, { jobId: created.id })).items;
        const verify = await startPointVerify(h.stores, ctx(), oldPoint.id);
        // Another worker runs the verify (its lease outlasts the test): it holds point:<id> throughout.
        const held = await h.stores.operations.claimNext({
          workerId: 'other-node',
          now: h.clock.now(),
          leaseMs: 24 * 3_600_000,
        });
        expect(held?.operation.id).toBe(verify.operationId);

        const second = await runBackupJobNow(h.stores, ctx(), created.id);
        const [done] = await h.tickUntilFinal(worker, [second.operationId]);
        // The job keeps a point its policy no longer keeps: a warning, not a plain success.
        expect(done.status).toBe('succeeded-with-warnings');
        const reason =
          'retention pruned 0 point(s) but kept 1 its policy no longer keeps: another operation was using them; the next run prunes them';
        const retention = (await h.stores.operations.steps(second.operationId)).find(
          (step) => step.status === 'degraded',
        );
        expect(retention?.error).toBe(reason);
        expect(await h.stores.restorePoints.get(oldPoint.id)).not.toBeNull();
        expect(existsSync(path.join(h.root, 'repository', oldPoint.id))).toBe(true);
        const logs = (await h.stores.operations.logs(second.operationId, 50)).map((line) => line.message);
        expect(logs).toContain(reason);

        await h.stores.operations.completeStep(
          held as NonNullable<typeof held>,
          { status: 'succeeded' },
          {
            workerId: 'other-node',
            now: h.clock.now(),
          },
        );
        expect((await h.tickUntilFinal(worker, [verify.operationId]))[0].status).toBe('succeeded');
        const third = await runBackupJobNow(h.stores, ctx(), created.id);
        await h.tickUntilFinal(worker, [third.operationId]);
        expect(await h.stores.restorePoints.get(oldPoint.id)).toBeNull();
        expect(existsSync(path.join(h.root, 'repository', oldPoint.id))).toBe(false);
        expect(await h.stores.operations.findLeakedLocks()).toEqual([]);
      });

      it('a scheduled run that fails to be written is not lost: the job stays due and the next tick starts it once', async () => {
        const created = await createBackupJob(
          h.stores,
          ctx({ now: () => new Date('2026-01-01T00:00:00Z') }),
          jobInput(),
        );
        let failures = 1;
        const flaky = {
          ...h.stores,
          jobs: {
            ...h.stores.jobs,
            list: h.stores.jobs.list.bind(h.stores.jobs),
            due: h.stores.jobs.due.bind(h.stores.jobs),
            claimScheduledRun: async (claim: Parameters<typeof h.stores.jobs.claimScheduledRun>[0]) => {
              if (failures-- > 0) throw new Error('database is locked');
              return h.stores.jobs.claimScheduledRun(claim);
            },
          },
        };
        const crashed = await runDueBackupJobs(flaky, scheduler('2026-01-01T02:00:10Z'));
        expect(crashed.started).toEqual([]);
        expect(crashed.failed).toEqual([{ jobId: created.id, error: 'database is locked' }]);
        expect((await getBackupJob(h.stores, ctx(), created.id)).nextRunAt?.toISOString()).toBe(
          '2026-01-01T02:00:00.000Z',
        );
        const retried = await runDueBackupJobs(flaky, scheduler('2026-01-01T02:00:20Z'));
        expect(retried.started).toHaveLength(1);
        expect((await runDueBackupJobs(flaky, scheduler('2026-01-01T02:00:30Z'))).started).toEqual([]);
        expect((await listOperations(h.stores, { jobId: created.id })).items).toHaveLength(1);
      });

      it.each([
        {
          saved: 'a scope kind no release knows',
          request: { scope: { kind: 'datacenter', vmIds: ['app1'] } },
          why: /^The job's saved backup settings are no longer valid \(scope\.kind: .+\): open the job, review it and save it again\.$/,
        },
        {
          saved: 'a consistency policy no release knows',
          request: { scope: { kind: 'vms', vmIds: ['app1'] }, consistencyPolicy: 'best-effort' },
          why: /^The job's saved backup settings are no longer valid \(consistencyPolicy: .+\): open the job, review it and save it again\.$/,
        },
      ])(
        'a scheduled run whose saved request no longer validates ($saved) is recorded failed, saying why, once',
        async ({ request, why }) => {
          const created = await createBackupJob(
            h.stores,
            ctx({ now: () => new Date('2026-01-01T00:00:00Z') }),
            jobInput(),
          );
          // As an older release might have saved it: written past the service's validation.
          await h.stores.jobs.update(created.id, {
            requestJson: request,
            updatedAt: new Date('2026-01-01T00:00:01Z'),
            updatedBy: 'test',
          });
          const tick = await runDueBackupJobs(h.stores, scheduler('2026-01-01T02:00:10Z'));
          expect(tick.failed).toEqual([]);
          expect(tick.started).toHaveLength(1);
          const { operation } = await getOperation(h.stores, tick.started[0].operationId);
          expect(operation).toMatchObject({
            status: 'failed',
            jobId: created.id,
            requestedBy: 'scheduler',
            title: `Backup job ${created.name} (scheduled)`,
          });
          expect(operation.error).toMatch(/^blocked: /);
          expect(operation.error?.slice('blocked: '.length)).toMatch(why);
          expect(operation.plan).toMatchObject({ kind: 'backup', isRunnable: false, steps: [] });
          // The slot is consumed: the same tick again, and the next, record nothing more.
          expect((await runDueBackupJobs(h.stores, scheduler('2026-01-01T02:00:20Z'))).started).toEqual([]);
          expect((await getBackupJob(h.stores, ctx(), created.id)).nextRunAt?.toISOString()).toBe(
            '2026-01-02T02:00:00.000Z',
          );
          expect((await listOperations(h.stores, { jobId: created.id })).items).toHaveLength(1);
          // Retrying it refuses in the same words, and starts nothing.
          await expect(retryFailed(h.stores, ctx(), operation.id)).rejects.toThrow(/Invalid input: /);
          expect((await listOperations(h.stores, { jobId: created.id })).items).toHaveLength(1);
        },
      );

      it('after downtime: run-once starts one catch-up run, skip starts none; both report what was missed', async () => {
        const day0 = ctx({ now: () => new Date('2026-01-01T00:00:00Z') });
        const once = await createBackupJob(h.stores, day0, jobInput({ name: 'once' }));
        const skip = await createBackupJob(
          h.stores,
          day0,
          jobInput({ name: 'skip', missedRunPolicy: 'skip' }),
        );
        const report = await runDueBackupJobs(h.stores, scheduler('2026-01-04T12:00:00Z'));
        expect(report.started.map((run) => run.jobId)).toEqual([once.id]);
        expect(report.missed).toEqual([
          { jobId: once.id, count: 4, hasMore: false, policy: 'run-once' },
          { jobId: skip.id, count: 4, hasMore: false, policy: 'skip' },
        ]);
        expect((await getBackupJob(h.stores, ctx(), skip.id)).nextRunAt?.toISOString()).toBe(
          '2026-01-05T02:00:00.000Z',
        );
        expect((await setBackupJobEnabled(h.stores, ctx(), skip.id, false)).nextRunAt).toBeNull();
      });
    });
  });
});
