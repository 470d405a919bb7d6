/**
 * Router tests for the wizard areas (backups, restores, restorePoints, protection) through
 * createCallerFactory on a demo lab, on SQLite and on PostgreSQL. Restore points are catalogue rows
 * written here, so the tests need no worker: what is under test is planning, refusal and the SQL queries.
 */

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { restorePoints } from '../../../db/schema';
import { DEMO_LAB_NAMES } from '../../../db/seed/demo-lab';
import { storeDialects } from '../../../db/stores/contract/dialects';
import type { BackupJobInput, BackupRequestInput } from '../../schemas/operations';
import { openDemoLabOn, rowsOf, type TestRows } from '../../test-rows';
import { nightlyJobInput, rejectionOf, savedJob, signedIn } from '../../test-support';
import { fieldErrorsOf } from '../init';
import { createCaller } from '../root';

const dialects = await storeDialects('wizards');
let rows: TestRows;
let caller: ReturnType<typeof createCaller>;

const HOUR = 3_600_000;

function requestFor(vmId: string): BackupRequestInput {
  return { scope: { kind: 'vms', vmIds: [vmId] }, consistencyPolicy: 'fallback', passthroughPolicy: 'skip' };
}

let pointCounter = 0;
async function insertPoint(
  values: Partial<typeof restorePoints.$inferInsert> & { vmId: string; createdAt: Date },
) {
  pointCounter += 1;
  const row: typeof restorePoints.$inferInsert = {
    id: `rp-test-${String(pointCounter).padStart(4, '0')}`,
    vmName: values.vmId.replace(/^vm-/, ''),
    hostId: 'host-hv-prod-01',
    method: 'hyperv-vss',
    consistency: 'application',
    captureState: 'online',
    heldDisksJson: [`${values.vmId}-os`],
    missingDisksJson: [],
    sizeBytes: 1024,
    repositoryPath: `points/${pointCounter}`,
    ...values,
  };
  await rows.insert('restorePoints', row);
  return row.id as string;
}

describe.each(dialects)('$name', (dialect) => {
  describe.skipIf(dialect.skip !== null)('stores', () => {
    let lab: Awaited<ReturnType<typeof openDemoLabOn>>;
    beforeEach(async () => {
      lab = await openDemoLabOn(dialect);
      rows = rowsOf(lab.database);
      caller = createCaller(signedIn(lab.database));
    });
    afterEach(async () => {
      await lab.close();
    });

    describe('backups: review, acknowledgements, start and createJob', () => {
      it('keys every warning once and counts findings by severity', async () => {
        const review = await caller.backups.review(requestFor('vm-fs-01'));
        expect(review.plan.isRunnable).toBe(true);
        expect(review.counts.blocker).toBe(0);
        expect(review.findings.map((finding) => finding.ruleId)).toContain('HV-PASSTHROUGH-DISK');
        expect(review.warningKeys).toHaveLength(review.counts.warning);
        expect(new Set(review.warningKeys).size).toBe(review.warningKeys.length);
      });

      it('refuses to start until each warning is acknowledged, naming the missing ones; nothing is queued', async () => {
        const review = await caller.backups.review(requestFor('vm-sql-prod-01'));
        expect(review.warningKeys.length).toBeGreaterThanOrEqual(2);
        const partial = review.warningKeys.slice(0, 1);
        const error = await rejectionOf(() =>
          caller.backups.start({
            request: requestFor('vm-sql-prod-01'),
            acknowledgedWarnings: partial,
            fingerprint: review.fingerprint,
          }),
        );
        expect(error.code).toBe('PRECONDITION_FAILED');
        expect(error.message).toMatch(/Acknowledge every warning/);
        expect(await rows.all('operations')).toHaveLength(0);

        const started = await caller.backups.start({
          request: requestFor('vm-sql-prod-01'),
          acknowledgedWarnings: review.warningKeys,
          fingerprint: review.fingerprint,
        });
        expect(started.operationId).toMatch(/^op-/);
        expect(await rows.all('operations')).toHaveLength(1);
      });

      it('a plan with a blocker cannot be started, acknowledged or not, and says why', async () => {
        const review = await caller.backups.review(requestFor('vm-archive-01'));
        expect(review.counts.blocker).toBeGreaterThan(0);
        expect(review.plan.blockedReasons.length).toBeGreaterThan(0);
        const error = await rejectionOf(() =>
          caller.backups.createJob({
            job: nightlyJobInput('archive nightly', 'vm-archive-01'),
            acknowledgedWarnings: review.warningKeys,
            fingerprint: review.fingerprint,
          }),
        );
        expect(error.code).toBe('PRECONDITION_FAILED');
        expect(error.message).toContain(review.plan.blockedReasons[0]);
        expect(await rows.all('backupJobs')).toHaveLength(0);
      });

      it('jobs.create and jobs.update refuse a plan that backups.start refuses, with the same reasons, and save nothing', async () => {
        const blockedJob = nightlyJobInput('archive nightly', 'vm-archive-01', { isEnabled: false });
        const startError = await rejectionOf(() => caller.operations.backupVm({ vmId: 'vm-archive-01' }));
        const createError = await rejectionOf(() => caller.jobs.create(blockedJob));
        expect(createError.code).toBe('PRECONDITION_FAILED');
        expect(createError.message).toBe(startError.message);
        expect(await rows.all('backupJobs')).toHaveLength(0);

        const saved = await caller.jobs.create({
          ...blockedJob,
          name: 'web nightly',
          request: requestFor('vm-web-01'),
        });
        const updateError = await rejectionOf(() =>
          caller.jobs.update({
            id: saved.id,
            job: { ...blockedJob, name: 'web nightly' },
            loadedUpdatedAt: saved.updatedAt,
          }),
        );
        expect(updateError.code).toBe('PRECONDITION_FAILED');
        expect((await caller.jobs.get({ id: saved.id })).request.scope).toEqual(
          requestFor('vm-web-01').scope,
        );
      });

      it('creates a scheduled job once its warning is acknowledged', async () => {
        const review = await caller.backups.review(requestFor('vm-fs-01'));
        const job = await caller.backups.createJob({
          job: {
            name: 'fs nightly',
            request: requestFor('vm-fs-01'),
            schedule: { cron: '0 2 * * *', timeZone: 'Europe/Warsaw' },
            missedRunPolicy: 'run-once',
            retention: { keepLast: 7, daily: 14, weekly: 0, monthly: 0 },
            rpoHours: 26,
            isEnabled: true,
          },
          acknowledgedWarnings: review.warningKeys,
          fingerprint: review.fingerprint,
        });
        expect(job.id).toMatch(/^job-/);
        expect(job.schedule?.timeZone).toBe('Europe/Warsaw');
        expect(job.nextRunAt).not.toBeNull();
      });

      it("updateJob saves an edited job only after the new request's review: unacknowledged warnings, a stale review and an unknown job change nothing", async () => {
        const first = await caller.backups.review(requestFor('vm-web-01'));
        const saved = await caller.backups.createJob({
          job: nightlyJobInput('web nightly', 'vm-web-01'),
          acknowledgedWarnings: first.warningKeys,
          fingerprint: first.fingerprint,
        });
        // The edit adds fs-01 (a pass-through disk warning) and changes every other field.
        const edited: BackupJobInput = {
          name: 'web and fs nightly',
          request: { ...requestFor('vm-web-01'), scope: { kind: 'vms', vmIds: ['vm-web-01', 'vm-fs-01'] } },
          schedule: { cron: '30 1 * * 1-5', timeZone: 'Europe/Warsaw' },
          missedRunPolicy: 'run-once',
          retention: { keepLast: 3, daily: 7, weekly: 4, monthly: 2 },
          rpoHours: 80,
          isEnabled: true,
        };
        const review = await caller.backups.review(edited.request);
        expect(review.warningKeys.length).toBeGreaterThan(0);

        const unacknowledged = await rejectionOf(() =>
          caller.backups.updateJob({
            id: saved.id,
            loadedUpdatedAt: saved.updatedAt,
            job: edited,
            acknowledgedWarnings: [],
            fingerprint: review.fingerprint,
          }),
        );
        expect(unacknowledged.code).toBe('PRECONDITION_FAILED');
        expect(unacknowledged.message).toMatch(/Acknowledge every warning/);
        const stale = await rejectionOf(() =>
          caller.backups.updateJob({
            id: saved.id,
            loadedUpdatedAt: saved.updatedAt,
            job: edited,
            acknowledgedWarnings: review.warningKeys,
            // Not the fingerprint of the estate now (as after the estate changed since the review).
            fingerprint: '0'.repeat(64),
          }),
        );
        expect(stale.code).toBe('CONFLICT');
        const unknown = await rejectionOf(() =>
          caller.backups.updateJob({
            id: 'job-nope',
            loadedUpdatedAt: saved.updatedAt,
            job: edited,
            acknowledgedWarnings: review.warningKeys,
            fingerprint: review.fingerprint,
          }),
        );
        expect(unknown.code).toBe('NOT_FOUND');
        const invalid = await rejectionOf(() =>
          caller.backups.updateJob({
            id: saved.id,
            loadedUpdatedAt: saved.updatedAt,
            job: { ...edited, schedule: { cron: 'every night', timeZone: 'Europe/Warsaw' } },
            acknowledgedWarnings: review.warningKeys,
            fingerprint: review.fingerprint,
          }),
        );
        expect(invalid.code).toBe('BAD_REQUEST');
        expect((await caller.jobs.get({ id: saved.id })).name).toBe('web nightly');

        const updated = savedJob(
          await caller.backups.updateJob({
            id: saved.id,
            loadedUpdatedAt: saved.updatedAt,
            job: edited,
            acknowledgedWarnings: review.warningKeys,
            fingerprint: review.fingerprint,
          }),
        );
        expect(updated).toMatchObject({
          id: saved.id,
          name: 'web and fs nightly',
          request: { scope: { kind: 'vms', vmIds: ['vm-web-01', 'vm-fs-01'] } },
          schedule: { cron: '30 1 * * 1-5', timeZone: 'Europe/Warsaw' },
          missedRunPolicy: 'run-once',
          retention: { keepLast: 3, daily: 7, weekly: 4, monthly: 2 },
          rpoHours: 80,
        });
        expect(await rows.all('backupJobs')).toHaveLength(1);

        // The edit wizard's "No schedule, run by hand": the job keeps everything else and is never due.
        const byHand = savedJob(
          await caller.backups.updateJob({
            id: saved.id,
            loadedUpdatedAt: updated.updatedAt,
            job: { ...edited, schedule: null },
            acknowledgedWarnings: review.warningKeys,
            fingerprint: review.fingerprint,
          }),
        );
        expect(byHand).toMatchObject({ id: saved.id, schedule: null, nextRunAt: null, rpoHours: 80 });

        // A wizard opened before those saves: refused (before its review is checked), nothing saved.
        const opened = await rejectionOf(() =>
          caller.backups.updateJob({
            id: saved.id,
            loadedUpdatedAt: saved.updatedAt,
            job: { ...edited, rpoHours: 12 },
            acknowledgedWarnings: [],
            fingerprint: '0'.repeat(64),
          }),
        );
        expect([opened.code, fieldErrorsOf(opened).map((field) => field.path)]).toEqual([
          'CONFLICT',
          ['loadedUpdatedAt'],
        ]);
        expect(await caller.jobs.get({ id: saved.id })).toMatchObject({ schedule: null, rpoHours: 80 });
      });

      it('rejects a bad request with the field that is wrong', async () => {
        const error = await rejectionOf(() =>
          caller.backups.review({ ...requestFor('x'), scope: { kind: 'vms', vmIds: [] } }),
        );
        expect(error.code).toBe('BAD_REQUEST');
      });
    });

    describe('restores: preview blast radius', () => {
      it('a volume revert lists the other VMs on the volume and needs the volume name typed', async () => {
        const at = new Date(Date.now() - 2 * HOUR);
        const branchVms = ['vm-branch-app-01', 'vm-branch-dc-01', 'vm-branch-fs-01', 'vm-branch-print-01'];
        const ids: string[] = [];
        for (const vmId of branchVms) {
          ids.push(
            await insertPoint({
              vmId,
              hostId: 'host-hv-branch-01',
              method: 'wsb-volume',
              hostVolumeId: DEMO_LAB_NAMES.wsbVolumeId,
              snapshotId: 'snap-1',
              createdAt: at,
            }),
          );
        }
        const plan = await caller.restores.preview({
          restorePointId: ids[0] as string,
          mode: 'volume-revert',
        });
        expect(plan.collateral.map((vm) => vm.vmId).sort()).toEqual(branchVms.slice(1).sort());
        expect(plan.collateral.every((vm) => vm.dataLossMs >= 2 * HOUR - 1000)).toBe(true);
        expect(plan.findings.map((finding) => finding.ruleId)).toContain('RESTORE-VOLUME-COLLATERAL');
        // Four Hyper-V hosts have a D:; the confirmation names this host's.
        expect(plan.confirmationText).toBe('hv-branch-01 D:');
        expect(plan.stoppedVms.map((vm) => vm.vmName).sort()).toEqual([
          'branch-app-01',
          'branch-dc-01',
          'branch-fs-01',
          'branch-print-01',
        ]);
        expect(plan.isRunnable).toBe(false);

        const error = await rejectionOf(() =>
          caller.restores.start({
            request: {
              restorePointId: ids[0] as string,
              mode: 'volume-revert',
              confirmation: 'D:',
              acknowledgedStoppedVmIds: branchVms,
            },
            fingerprint: plan.fingerprint,
          }),
        );
        expect(error.code).toBe('PRECONDITION_FAILED');
        expect(error.message).toContain(`does not match the volume name "${plan.confirmationText}"`);
        expect(await rows.all('operations')).toHaveLength(0);
        const confirmed = await caller.restores.preview({
          restorePointId: ids[0] as string,
          mode: 'volume-revert',
          confirmation: plan.confirmationText as string,
        });
        // Typed right, but nobody acknowledged the VMs it stops: still refused, naming them.
        expect(confirmed.isRunnable).toBe(false);
        expect(confirmed.blockedReasons.join(' ')).toMatch(/Acknowledge that the revert stops branch-/);
        const acknowledged = await caller.restores.preview({
          restorePointId: ids[0] as string,
          mode: 'volume-revert',
          confirmation: plan.confirmationText as string,
          acknowledgedStoppedVmIds: branchVms,
        });
        expect(acknowledged.isRunnable, acknowledged.blockedReasons.join('; ')).toBe(true);

        const staged = await caller.restores.preview({ restorePointId: ids[0] as string, mode: 'staged' });
        expect(staged.collateral).toEqual([]);
      });
    });

    describe('restorePoints: browse, sort, filter, deletion impact', () => {
      it('pages newest or oldest first with cursors, and filters in SQL', async () => {
        const base = Date.now() - 10 * HOUR;
        for (let i = 0; i < 5; i += 1)
          await insertPoint({ vmId: 'vm-web-01', createdAt: new Date(base + i * HOUR) });
        await insertPoint({
          vmId: 'vm-sql-prod-01',
          consistency: 'crash',
          createdAt: new Date(base + 30 * 60_000),
        });

        const first = await caller.restorePoints.list({ limit: 4 });
        expect(first.items).toHaveLength(4);
        expect(first.nextCursor).not.toBeNull();
        const second = await caller.restorePoints.list({ limit: 4, cursor: first.nextCursor as string });
        expect(second.items).toHaveLength(2);
        const all = [...first.items, ...second.items].map((item) => item.createdAt.getTime());
        expect(all).toEqual([...all].sort((a, b) => b - a));

        const oldest = await caller.restorePoints.list({ sort: 'oldest', limit: 2 });
        expect(oldest.items[0]?.createdAt.getTime()).toBe(base);
        const wrongSort = await rejectionOf(() =>
          caller.restorePoints.list({ sort: 'newest', cursor: oldest.nextCursor as string }),
        );
        expect(wrongSort.code).toBe('BAD_REQUEST');

        const crash = await caller.restorePoints.list({ consistency: 'crash' });
        expect(crash.items.map((item) => item.vmId)).toEqual(['vm-sql-prod-01']);
        expect(crash.items[0]?.hostName).toBe('hv-prod-01');
        const window = await caller.restorePoints.list({
          vmId: 'vm-web-01',
          createdFrom: new Date(base + HOUR),
          createdTo: new Date(base + 2 * HOUR),
        });
        expect(window.items).toHaveLength(2);
        const backwards = await rejectionOf(() =>
          caller.restorePoints.list({ createdFrom: new Date(base + HOUR), createdTo: new Date(base) }),
        );
        expect(backwards.code).toBe('BAD_REQUEST');
      });

      it("says when a point is its VM's only one", async () => {
        const only = await insertPoint({ vmId: 'vm-ops-01', createdAt: new Date() });
        const one = await insertPoint({ vmId: 'vm-web-01', createdAt: new Date() });
        await insertPoint({ vmId: 'vm-web-01', createdAt: new Date(Date.now() - HOUR) });
        expect((await caller.restorePoints.get({ id: only })).deletion.isOnlyPointOfVm).toBe(true);
        expect((await caller.restorePoints.get({ id: one })).deletion.isOnlyPointOfVm).toBe(false);
        const missing = await rejectionOf(() => caller.restorePoints.get({ id: 'rp-nope' }));
        expect(missing.code).toBe('NOT_FOUND');
      });
    });

    describe('protection: status per VM, runs needing attention, activity', () => {
      async function insertJob(
        id: string,
        scope: Record<string, unknown>,
        rpoHours: number,
        isEnabled = true,
      ) {
        const now = new Date();
        return rows.insert('backupJobs', {
          id,
          name: id,
          requestJson: { scope, consistencyPolicy: 'fallback', passthroughPolicy: 'skip' },
          cron: '0 2 * * *',
          timeZone: 'UTC',
          missedRunPolicy: 'skip',
          retentionJson: { keepLast: 1, daily: 0, weekly: 0, monthly: 0 },
          rpoHours,
          isEnabled,
          createdAt: now,
          updatedAt: now,
        });
      }

      it('classifies VMs: unprotected, RPO exceeded, protected, no policy', async () => {
        const now = Date.now();
        await insertJob('job-web', { kind: 'vms', vmIds: ['vm-web-01', 'vm-sql-prod-01'] }, 24);
        await insertJob('job-branch', { kind: 'host-volume', hostVolumeId: DEMO_LAB_NAMES.wsbVolumeId }, 1);
        await insertPoint({ vmId: 'vm-web-01', createdAt: new Date(now - 2 * HOUR) });
        await insertPoint({ vmId: 'vm-sql-prod-01', createdAt: new Date(now - 30 * HOUR) });
        await insertPoint({ vmId: 'vm-branch-dc-01', createdAt: new Date(now - 3 * HOUR) });
        await insertPoint({ vmId: 'vm-ops-01', createdAt: new Date(now - 3 * HOUR) });
        // A corrupt newer point is not a good point: the older intact one counts.
        await insertPoint({ vmId: 'vm-ops-01', createdAt: new Date(now - HOUR), lastVerdict: 'corrupt' });

        const statusOf = async (name: string) => {
          const page = await caller.protection.vms({ search: name });
          return page.items.find((item) => item.vmName === name);
        };
        expect((await statusOf('web-01'))?.status).toBe('protected');
        expect((await statusOf('sql-prod-01'))?.status).toBe('rpo-exceeded');
        expect((await statusOf('branch-dc-01'))?.status).toBe('rpo-exceeded');
        expect((await statusOf('branch-dc-01'))?.rpoHours).toBe(1);
        expect((await statusOf('ops-01'))?.status).toBe('no-policy');
        expect((await statusOf('ops-01'))?.lastPoint?.createdAt.getTime()).toBe(now - 3 * HOUR);
        expect((await statusOf('erp-01'))?.status).toBe('unprotected');

        const summary = await caller.protection.summary();
        expect(summary.byStatus.protected).toBe(1);
        expect(summary.byStatus['rpo-exceeded']).toBe(2);
        expect(summary.byStatus['no-policy']).toBe(1);
        expect(summary.byStatus.unprotected).toBe(summary.totalVms - 4);

        const unprotected = await caller.protection.vms({ status: 'unprotected', limit: 5 });
        expect(unprotected.items).toHaveLength(5);
        const next = await caller.protection.vms({
          status: 'unprotected',
          limit: 5,
          cursor: unprotected.nextCursor as string,
        });
        expect(next.items[0]?.vmName > (unprotected.items.at(-1)?.vmName as string)).toBe(true);
      });

      it('lists failed and interrupted runs until they are retried, and counts 14 days of activity', async () => {
        const now = new Date();
        const op = async (id: string, status: string, retryOfId: string | null = null, at = now) => {
          await rows.insert('operations', {
            id,
            kind: 'backup',
            status: status as 'failed',
            title: `Backup ${id}`,
            retryOfId,
            createdAt: at,
            error: status === 'failed' ? 'copy failed' : null,
          });
          await rows.insert('operationVms', { operationId: id, vmId: 'vm-web-01' });
        };
        await op('op-a', 'failed', null, new Date(now.getTime() - 3 * HOUR));
        await op('op-b', 'interrupted', null, new Date(now.getTime() - 2 * HOUR));
        await op('op-c', 'succeeded', 'op-a', new Date(now.getTime() - HOUR));
        const attention = (await caller.protection.attention()).runs;
        expect(attention.map((run) => run.operationId)).toEqual(['op-b']);

        const web = (await caller.protection.vms({ search: 'web-01' })).items.find(
          (i) => i.vmName === 'web-01',
        );
        expect(web?.lastRun).toMatchObject({ operationId: 'op-c', status: 'succeeded' });

        await insertPoint({ vmId: 'vm-web-01', consistency: 'crash', createdAt: now });
        const activity = await caller.protection.activity();
        expect(activity.days).toHaveLength(14);
        const today = activity.days.at(-1);
        expect(today?.day).toBe(now.toISOString().slice(0, 10));
        expect(today?.pointsByConsistency.crash).toBe(1);
        const results = activity.days.reduce(
          (sum, day) =>
            sum +
            day.backupsByResult.failed +
            day.backupsByResult.interrupted +
            day.backupsByResult.succeeded,
          0,
        );
        expect(results).toBe(3);
      });
    });

    describe('plans made once: the start runs the reviewed plan or is refused', () => {
      const setPowerState = (vmId: string, powerState: 'running' | 'off') =>
        rows.update('vms', vmId, { powerState });

      it('a backup started with the fingerprint of an estate that changed since is refused, and nothing is enqueued', async () => {
        const review = await caller.backups.review(requestFor('vm-fs-01'));
        await setPowerState('vm-fs-01', 'off');
        const error = await rejectionOf(() =>
          caller.backups.start({
            request: requestFor('vm-fs-01'),
            acknowledgedWarnings: review.warningKeys,
            fingerprint: review.fingerprint,
          }),
        );
        expect(error.code).toBe('CONFLICT');
        expect(error.message).toMatch(/^The estate changed since you reviewed this plan/);
        expect(await rows.all('operations')).toHaveLength(0);

        const again = await caller.backups.review(requestFor('vm-fs-01'));
        expect(again.fingerprint).not.toBe(review.fingerprint);
        const started = await caller.backups.start({
          request: requestFor('vm-fs-01'),
          acknowledgedWarnings: again.warningKeys,
          fingerprint: again.fingerprint,
        });
        // The enqueued plan is the reviewed one: same steps, same findings.
        const [operation] = await rows.all('operations');
        expect(operation.id).toBe(started.operationId);
        expect(started.plan.steps.map((step) => step.key)).toEqual(again.plan.steps.map((step) => step.key));
        expect(started.plan.findings).toEqual(again.plan.findings);
      });

      it('a change to a VM sharing no storage with the backup leaves its fingerprint and start alone', async () => {
        const review = await caller.backups.review(requestFor('vm-fs-01'));
        await setPowerState('vm-erp-01', 'off');
        expect((await caller.backups.review(requestFor('vm-fs-01'))).fingerprint).toBe(review.fingerprint);
        const started = await caller.backups.start({
          request: requestFor('vm-fs-01'),
          acknowledgedWarnings: review.warningKeys,
          fingerprint: review.fingerprint,
        });
        expect(started.operationId).toMatch(/^op-/);
      });

      it('a job created from a stale review is refused, and no job is saved', async () => {
        const review = await caller.backups.review(requestFor('vm-fs-01'));
        await setPowerState('vm-fs-01', 'off');
        const error = await rejectionOf(() =>
          caller.backups.createJob({
            job: nightlyJobInput('fs nightly', 'vm-fs-01'),
            acknowledgedWarnings: review.warningKeys,
            fingerprint: review.fingerprint,
          }),
        );
        expect(error.code).toBe('CONFLICT');
        expect(error.message).toMatch(/^The estate changed since you reviewed this plan/);
        expect(await rows.all('backupJobs')).toHaveLength(0);
      });

      it('a restore started after the estate or its points changed is refused, and nothing is enqueued', async () => {
        const pointId = await insertPoint({ vmId: 'vm-web-01', createdAt: new Date(Date.now() - 3 * HOUR) });
        const request = { restorePointId: pointId, mode: 'as-new' as const, newVmName: 'web-01-copy' };
        const preview = await caller.restores.preview(request);
        expect(preview.isRunnable).toBe(true);

        // A newer point of the VM is read by the plan too.
        await insertPoint({ vmId: 'vm-web-01', createdAt: new Date(Date.now() - HOUR) });
        const error = await rejectionOf(() =>
          caller.restores.start({ request, fingerprint: preview.fingerprint }),
        );
        expect(error.code).toBe('CONFLICT');
        expect(error.message).toMatch(/^The estate changed since you reviewed this plan/);
        expect(await rows.all('operations')).toHaveLength(0);

        const again = await caller.restores.preview(request);
        await setPowerState('vm-erp-01', 'off');
        const started = await caller.restores.start({ request, fingerprint: again.fingerprint });
        // As a new VM: nothing existing is overwritten, so no four-eyes request.
        if ('approvalRequest' in started) throw new Error('an as-new restore needs no approval');
        expect(started.operationId).toMatch(/^op-/);
        expect(started.plan.steps).toEqual(again.steps);
      });

      it('a start without the review fingerprint is a bad request', async () => {
        const error = await rejectionOf(() =>
          caller.backups.start({
            request: requestFor('vm-fs-01'),
            acknowledgedWarnings: [],
            fingerprint: 'not-a-fingerprint',
          }),
        );
        expect(error.code).toBe('BAD_REQUEST');
      });
    });
  });
});
