import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { storeDialects } from '../../../db/stores/contract/dialects';
import { createHarness, type Harness } from '../../jobs/test-harness';
import type { BackupJobInput } from '../../schemas/operations';
import { nightlyJobInput, rejectionOf, savedJob, signedIn } from '../../test-support';
import { fieldErrorsOf } from '../init';
import { createCaller } from '../root';

let h: Harness;
let caller: ReturnType<typeof createCaller>;

function nightlyJob(overrides: Partial<BackupJobInput> = {}): BackupJobInput {
  return nightlyJobInput('Nightly web', 'web1', overrides);
}

const dialects = await storeDialects('routerjobs');

describe.each(dialects)('$name', (dialect) => {
  describe.skipIf(dialect.skip !== null)('stores', () => {
    beforeEach(async () => {
      h = await createHarness({ dialect });
      caller = createCaller(signedIn(h.database));
    });
    afterEach(async () => {
      await h.close();
    });

    describe('jobs procedures', () => {
      it('creates a scheduled job, lists it with its schedule described and next run set', async () => {
        const job = await caller.jobs.create(nightlyJob());
        expect(job.schedule?.description).toBeTruthy();
        expect(job.nextRunAt).toBeInstanceOf(Date);
        const jobs = await caller.jobs.list();
        expect(jobs.map((item) => item.name)).toEqual(['Nightly web']);
        expect((await caller.jobs.get({ id: job.id })).retention).toEqual({
          keepLast: 3,
          daily: 7,
          weekly: 4,
          monthly: 0,
        });
      });

      it.each<{ edit: string; change: Partial<BackupJobInput>; says: string[] }>([
        {
          edit: 'nothing but its retention',
          change: { retention: { keepLast: 5, daily: 7, weekly: 4, monthly: 0 } },
          says: [],
        },
        {
          edit: 'its name and VMs',
          change: {
            name: 'Nightly files',
            request: {
              scope: { kind: 'vms', vmIds: ['fs1', 'sql1'] },
              consistencyPolicy: 'fallback',
              passthroughPolicy: 'skip',
            },
          },
          says: ['Name: "Nightly web" → "Nightly files"', 'VMs: 1 → 2; drops web1; adds fs1, sql1'],
        },
        {
          edit: 'its schedule, taken off',
          change: { schedule: null },
          says: [expect.stringMatching(/^Schedule: .+ → none \(runs only when started by hand\)$/) as never],
        },
      ])(
        'words what an edit changes besides its retention, before it is saved: $edit',
        async ({ change, says }) => {
          const job = await caller.jobs.create(nightlyJob());
          const edit = { id: job.id, job: nightlyJob(change), loadedUpdatedAt: job.updatedAt };
          expect(await caller.jobs.editChanges(edit)).toEqual(says);
          // Only words: the job is as it was.
          expect((await caller.jobs.get({ id: job.id })).name).toBe('Nightly web');
        },
      );

      it('rejects a bad cron and an unknown time zone naming both fields, and writes nothing', async () => {
        const error = await rejectionOf(() =>
          caller.jobs.create(nightlyJob({ schedule: { cron: '0 25 * * *', timeZone: 'Mars/Olympus' } })),
        );
        expect(error.code).toBe('BAD_REQUEST');
        expect(
          fieldErrorsOf(error)
            .map((field) => field.path)
            .sort(),
        ).toEqual(['schedule.cron', 'schedule.timeZone']);
        expect(await caller.jobs.list()).toEqual([]);
      });

      it('refuses a second job with the same name as a conflict on the name field', async () => {
        await caller.jobs.create(nightlyJob());
        const error = await rejectionOf(() => caller.jobs.create(nightlyJob()));
        expect(error.code).toBe('CONFLICT');
        expect(fieldErrorsOf(error).map((field) => field.path)).toEqual(['name']);
      });

      it.each([
        [
          'Nightly SQL',
          'NIGHTLY sql',
          'A backup job named "Nightly SQL" already exists; names differing only in case',
        ],
        [
          'Łódź nightly',
          'łÓdŹ NIGHTLY',
          'A backup job named "Łódź nightly" already exists; names differing only in case',
        ],
      ])(
        'refuses %s beside %s (names differing only in case), naming the one that exists',
        async (first, second, text) => {
          await caller.jobs.create(nightlyJob({ name: first }));
          const error = await rejectionOf(() => caller.jobs.create(nightlyJob({ name: second })));
          expect(error.code).toBe('CONFLICT');
          expect(fieldErrorsOf(error)).toEqual([{ path: 'name', message: expect.stringContaining(text) }]);
          expect((await caller.jobs.list()).map((job) => job.name)).toEqual([first]);
        },
      );

      it('lets a job be renamed to its own name in another case', async () => {
        const job = await caller.jobs.create(nightlyJob({ name: 'nightly sql' }));
        const renamed = savedJob(
          await caller.jobs.update({
            id: job.id,
            loadedUpdatedAt: job.updatedAt,
            job: nightlyJob({ name: 'Nightly SQL' }),
          }),
        );
        expect(renamed.name).toBe('Nightly SQL');
      });

      it('disables and re-enables: no next run while disabled', async () => {
        const job = await caller.jobs.create(nightlyJob());
        const disabled = await caller.jobs.setEnabled({ id: job.id, isEnabled: false });
        expect(disabled.isEnabled).toBe(false);
        expect(disabled.nextRunAt).toBeNull();
        const enabled = await caller.jobs.setEnabled({ id: job.id, isEnabled: true });
        expect(enabled.nextRunAt).toBeInstanceOf(Date);
      });

      it('updates the schedule and retention of a job', async () => {
        const job = await caller.jobs.create(nightlyJob());
        // The job has no points yet: a tighter retention deletes nothing and is saved at once.
        const updated = savedJob(
          await caller.jobs.update({
            id: job.id,
            loadedUpdatedAt: job.updatedAt,
            job: nightlyJob({ schedule: null, retention: { keepLast: 1, daily: 0, weekly: 0, monthly: 0 } }),
          }),
        );
        expect(updated.schedule).toBeNull();
        expect(updated.nextRunAt).toBeNull();
        expect(updated.retention.keepLast).toBe(1);
      });

      it('updates a job only as its form loaded it: without that updatedAt BAD_REQUEST, after a save since CONFLICT, nothing saved', async () => {
        const job = await caller.jobs.create(nightlyJob());
        const edit = { id: job.id, job: nightlyJob({ rpoHours: 48 }) };
        const missing = await rejectionOf(() => caller.jobs.update(edit as never));
        expect([missing.code, fieldErrorsOf(missing).map((field) => field.path)]).toEqual([
          'BAD_REQUEST',
          ['loadedUpdatedAt'],
        ]);
        await caller.jobs.setEnabled({ id: job.id, isEnabled: false });
        // As a raw HTTP client sends it: ISO text.
        const stale = await rejectionOf(() =>
          caller.jobs.update({ ...edit, loadedUpdatedAt: job.updatedAt.toISOString() }),
        );
        expect(stale.code).toBe('CONFLICT');
        expect(stale.message).toBe(
          'Backup job "Nightly web" was saved by someone else since you opened it, so nothing was saved: reopen the job to see their changes, then make yours again',
        );
        expect(await caller.jobs.get({ id: job.id })).toMatchObject({ isEnabled: false, rpoHours: 26 });
      });

      it('adds VMs from the VM list to a job: new ones join its list, the job is re-reviewed, refusals save nothing', async () => {
        const job = await caller.jobs.create(nightlyJob());
        const added = await caller.jobs.addVms({ id: job.id, vmIds: ['fs1', 'web1', 'sql1'] });
        expect(added.addedVmIds).toEqual(['fs1', 'sql1']);
        const scopeNow = async () => (await caller.jobs.get({ id: job.id })).request.scope;
        expect(await scopeNow()).toEqual({ kind: 'vms', vmIds: ['web1', 'fs1', 'sql1'] });
        // Already all in: nothing changes.
        expect((await caller.jobs.addVms({ id: job.id, vmIds: ['fs1'] })).addedVmIds).toEqual([]);

        const unknown = await rejectionOf(() => caller.jobs.addVms({ id: job.id, vmIds: ['no-such-vm'] }));
        expect(unknown.message).toContain('no-such-vm');
        expect(await scopeNow()).toEqual({ kind: 'vms', vmIds: ['web1', 'fs1', 'sql1'] });

        const volumeJob = await caller.jobs.create(
          nightlyJob({
            name: 'D: nightly',
            request: {
              scope: { kind: 'host-volume', hostVolumeId: 'hv1-d' },
              consistencyPolicy: 'fallback',
              passthroughPolicy: 'skip',
            },
          }),
        );
        // A job's page (and the wizard editing it) reads its scope by name, the volume with its host.
        expect((await caller.jobs.get({ id: volumeJob.id })).scopeNames).toEqual({ 'hv1-d': 'D: on hv1' });
        expect((await caller.jobs.get({ id: job.id })).scopeNames).toEqual({
          web1: 'web1',
          fs1: 'fs1',
          sql1: 'sql1',
        });
        const whole = await rejectionOf(() => caller.jobs.addVms({ id: volumeJob.id, vmIds: ['fs1'] }));
        expect(whole.code).toBe('CONFLICT');
        expect(whole.message).toContain('backs up a whole volume');
        expect((await rejectionOf(() => caller.jobs.addVms({ id: 'nope', vmIds: ['fs1'] }))).code).toBe(
          'NOT_FOUND',
        );
        const empty = await rejectionOf(() => caller.jobs.addVms({ id: job.id, vmIds: [] }));
        expect(fieldErrorsOf(empty)).toEqual([{ path: 'vmIds', message: 'Choose at least one VM' }]);
      });

      it('runs a job now: the operation carries the job id and ends succeeded', async () => {
        const job = await caller.jobs.create(nightlyJob());
        const started = await caller.jobs.runNow({ id: job.id });
        await h.tickUntilFinal(h.createWorker(), [started.operationId]);
        const runs = await caller.operations.list({ jobId: job.id });
        expect(runs.items.map((item) => [item.id, item.status])).toEqual([
          [started.operationId, 'succeeded'],
        ]);
        expect((await caller.jobs.get({ id: job.id })).lastOperation?.id).toBe(started.operationId);
      });

      it('previews the next runs of a schedule in its time zone', async () => {
        const preview = await caller.jobs.previewSchedule({ cron: '30 1 * * 1', timeZone: 'UTC', count: 3 });
        expect(preview.nextRuns).toHaveLength(3);
        for (const run of preview.nextRuns) {
          expect([run.getUTCDay(), run.getUTCHours(), run.getUTCMinutes()]).toEqual([1, 1, 30]);
        }
        const tooMany = await rejectionOf(() =>
          caller.jobs.previewSchedule({ cron: '30 1 * * 1', timeZone: 'UTC', count: 500 }),
        );
        expect(fieldErrorsOf(tooMany).map((field) => field.path)).toEqual(['count']);
      });

      it('deletes a job (four-eyes off); asking for it again is NOT_FOUND', async () => {
        // The four-eyes request and its approval (and turning it off, itself approved) are tested in
        // approvals.test.ts: here the policy is as a second admin's approval leaves it.
        await h.stores.approvals.setPolicy({
          kind: 'delete-job',
          required: false,
          reason: 'direct delete under test',
          updatedAt: h.clock.now(),
          updatedBy: 'user:second-admin',
          updatedByName: 'Second admin',
        });
        const job = await caller.jobs.create(nightlyJob());
        expect(await caller.jobs.delete({ id: job.id, confirmation: job.name })).toEqual({
          id: job.id,
          name: job.name,
        }); // named for the audit trail
        expect((await rejectionOf(() => caller.jobs.get({ id: job.id }))).code).toBe('NOT_FOUND');
        expect(
          (await rejectionOf(() => caller.jobs.delete({ id: job.id, confirmation: job.name }))).code,
        ).toBe('NOT_FOUND');
      });
    });
  });
});
