/**
 * Saving a backup job while another save lands after the operator's form loaded it, or between
 * this save's read and its write, on both databases: the other's change is never overwritten.
 * The interleaving is made, not waited for: the other save runs after the load, or the stores run
 * it right after this save first reads the job.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { storeDialects } from '../../db/stores/contract/dialects';
import type { Stores } from '../../db/stores/ports';
import type { JobRecord } from '../../db/stores/ports/job-store';
import { createServiceContext, SCHEDULER_ACTOR, type ServiceContext } from '../context';
import { createHarness, type Harness } from '../jobs/test-harness';
import { nightlyJobInput } from '../test-support';
import {
  addVmsToJob,
  createBackupJob,
  getBackupJob,
  setBackupJobEnabled,
  updateBackupJob,
} from './backup-job-service';
import { runDueBackupJobs } from './scheduled-runs';
import { quietLog } from './service-test-support';

/** The stores, with `meanwhile` run once, right after the job is first read. */
function withSaveAfterFirstRead(stores: Stores, meanwhile: () => Promise<unknown>): Stores {
  let isPending = true;
  const jobs = new Proxy(stores.jobs, {
    get(target, key) {
      const value = Reflect.get(target, key);
      if (key !== 'get') return typeof value === 'function' ? value.bind(target) : value;
      return async (id: string) => {
        const row = await target.get(id);
        if (isPending) {
          isPending = false;
          await meanwhile();
        }
        return row;
      };
    },
  });
  return { ...stores, jobs };
}

/** The stores, with `meanwhile` run once, right after the scheduler reads the due jobs. */
function withSaveAfterDueRead(stores: Stores, meanwhile: () => Promise<unknown>): Stores {
  let isPending = true;
  const due = async (now: Date) => {
    const rows = await stores.jobs.due(now);
    if (isPending) {
      isPending = false;
      await meanwhile();
    }
    return rows;
  };
  const jobs = new Proxy(stores.jobs, {
    get(target, key) {
      const value = Reflect.get(target, key);
      if (key === 'due') return due;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { ...stores, jobs };
}

const dialects = await storeDialects('jobsaves');

describe.each(dialects)('$name', (dialect) => {
  describe.skipIf(dialect.skip !== null)('stores', () => {
    let h: Harness;
    let ctx: ServiceContext;
    beforeEach(async () => {
      h = await createHarness({ dialect });
      // One instant for every save: versions must tell saves apart within a millisecond too.
      ctx = createServiceContext({ now: () => h.clock.now(), newId: h.newId, log: quietLog });
    });
    afterEach(async () => {
      await h.close();
    });

    const scopeOf = async (id: string) => (await getBackupJob(h.stores, ctx, id)).request.scope;

    it.each([
      { added: ['fs1'], meanwhile: ['sql1'], scope: ['web1', 'sql1', 'fs1'] },
      { added: ['fs1', 'sql1'], meanwhile: ['sql1'], scope: ['web1', 'sql1', 'fs1'] },
      { added: ['fs1'], meanwhile: ['fs1'], scope: ['web1', 'fs1'] },
    ])(
      'adding $added while $meanwhile is added by someone else keeps both: $scope',
      async ({ added, meanwhile, scope }) => {
        const job = await createBackupJob(h.stores, ctx, nightlyJobInput('Nightly web', 'web1'));
        const stores = withSaveAfterFirstRead(h.stores, () =>
          addVmsToJob(h.stores, ctx, { id: job.id, vmIds: meanwhile }),
        );
        await addVmsToJob(stores, ctx, { id: job.id, vmIds: added });
        expect(await scopeOf(job.id)).toEqual({ kind: 'vms', vmIds: scope });
      },
    );

    const savedSinceOpened = (name: string) => ({
      code: 'CONFLICT',
      message: `Backup job "${name}" was saved by someone else since you opened it, so nothing was saved: reopen the job to see their changes, then make yours again`,
      fieldErrors: [
        { path: 'loadedUpdatedAt', message: 'The job was saved by someone else since you opened it' },
      ],
    });

    it.each<{ meanwhile: string; change: (id: string, loaded: Date) => Promise<unknown> }>([
      { meanwhile: 'nothing', change: async () => {} },
      {
        meanwhile: 'another edit',
        change: (id, loaded) =>
          updateBackupJob(h.stores, ctx, {
            id,
            job: nightlyJobInput('Nightly web', 'fs1', { rpoHours: 12 }),
            loadedUpdatedAt: loaded,
          }),
      },
      { meanwhile: 'a disable', change: (id) => setBackupJobEnabled(h.stores, ctx, id, false) },
      { meanwhile: 'an "Add to job"', change: (id) => addVmsToJob(h.stores, ctx, { id, vmIds: ['sql1'] }) },
    ])(
      'an edit with the updatedAt its form loaded, after $meanwhile was saved since the load',
      async ({ meanwhile, change }) => {
        const job = await createBackupJob(h.stores, ctx, nightlyJobInput('Nightly web', 'web1'));
        const loaded = await getBackupJob(h.stores, ctx, job.id);
        await change(job.id, loaded.updatedAt);
        const before = await getBackupJob(h.stores, ctx, job.id);
        const edit = {
          id: job.id,
          job: nightlyJobInput('Nightly web', 'web1', { rpoHours: 48 }),
          loadedUpdatedAt: loaded.updatedAt,
        };
        if (meanwhile === 'nothing') {
          expect((await updateBackupJob(h.stores, ctx, edit)).rpoHours).toBe(48);
          return;
        }
        await expect(updateBackupJob(h.stores, ctx, edit)).rejects.toMatchObject(
          savedSinceOpened('Nightly web'),
        );
        expect(await getBackupJob(h.stores, ctx, job.id)).toEqual(before);
      },
    );

    it('an edit whose loaded updatedAt is given as ISO text is checked the same way', async () => {
      const job = await createBackupJob(h.stores, ctx, nightlyJobInput('Nightly web', 'web1'));
      await setBackupJobEnabled(h.stores, ctx, job.id, false);
      const edit = { id: job.id, job: nightlyJobInput('Nightly web', 'web1', { rpoHours: 48 }) };
      await expect(
        updateBackupJob(h.stores, ctx, { ...edit, loadedUpdatedAt: job.updatedAt.toISOString() }),
      ).rejects.toMatchObject(savedSinceOpened('Nightly web'));
    });

    it('an edit saved while another was saved between its read and its write is refused and saves nothing', async () => {
      const job = await createBackupJob(h.stores, ctx, nightlyJobInput('Nightly web', 'web1'));
      const loadedUpdatedAt = job.updatedAt;
      const stores = withSaveAfterFirstRead(h.stores, () =>
        updateBackupJob(h.stores, ctx, {
          id: job.id,
          job: nightlyJobInput('Nightly web and fs', 'fs1'),
          loadedUpdatedAt,
        }),
      );
      await expect(
        updateBackupJob(stores, ctx, {
          id: job.id,
          job: nightlyJobInput('Nightly web', 'web1', { rpoHours: 48 }),
          loadedUpdatedAt,
        }),
      ).rejects.toMatchObject(savedSinceOpened('Nightly web'));
      const saved = await getBackupJob(h.stores, ctx, job.id);
      expect([saved.name, saved.rpoHours, saved.request.scope]).toEqual([
        'Nightly web and fs',
        26,
        { kind: 'vms', vmIds: ['fs1'] },
      ]);
    });

    // The job runs at 02:00 Warsaw (01:00Z); the scheduler ticks every 15 s.
    const at = (iso: string) =>
      createServiceContext({ now: () => new Date(iso), newId: h.newId, log: quietLog });
    const tick = (stores: Stores, iso: string) =>
      runDueBackupJobs(stores, createServiceContext({ ...at(iso), actor: SCHEDULER_ACTOR }));
    it.each<{ save: string; change: (id: string) => Promise<unknown>; next: number[] }>([
      {
        save: 'a disable',
        change: (id) => setBackupJobEnabled(h.stores, at('2026-03-02T01:00:05Z'), id, false),
        next: [],
      },
      {
        save: 'an edit keeping 30 points instead of 3',
        change: async (id) =>
          updateBackupJob(h.stores, at('2026-03-02T01:00:05Z'), {
            id,
            job: nightlyJobInput('Nightly web', 'web1', {
              retention: { keepLast: 30, daily: 7, weekly: 4, monthly: 0 },
            }),
            loadedUpdatedAt: (await getBackupJob(h.stores, ctx, id)).updatedAt,
          }),
        next: [30],
      },
    ])(
      '$save saved while the scheduler plans the run: no run with the old settings',
      async ({ change, next }) => {
        const job = await createBackupJob(h.stores, ctx, nightlyJobInput('Nightly web', 'web1'));
        // The save lands after the scheduler read the job as due and before its claim.
        const stores = withSaveAfterDueRead(h.stores, () => change(job.id));
        expect((await tick(stores, '2026-03-02T01:00:00Z')).started).toEqual([]);
        const started = (await tick(h.stores, '2026-03-02T01:00:15Z')).started;
        const kept = [];
        for (const run of started) {
          const plan = (await h.stores.operations.get(run.operationId))?.planJson as {
            steps: { kind: string; params: { policy?: { keepLast: number } } }[];
          };
          kept.push(plan.steps.find((step) => step.kind === 'apply-retention')?.params.policy?.keepLast);
        }
        expect(kept).toEqual(next);
        expect((await tick(h.stores, '2026-03-02T01:00:30Z')).started).toEqual([]);
      },
    );

    it.each([
      { save: 'an edit', when: 'between the due time and the tick', savedAt: '2026-03-02T01:00:05Z' },
      { save: 'an edit', when: 'while the workers were down', savedAt: '2026-03-02T03:00:00Z' },
      {
        save: 'an enable of the enabled job',
        when: 'while the workers were down',
        savedAt: '2026-03-02T03:00:00Z',
      },
    ])('$save saved $when leaves the due run due: the next tick starts it', async ({ save, savedAt }) => {
      const job = await createBackupJob(h.stores, ctx, nightlyJobInput('Nightly web', 'web1'));
      if (save === 'an edit') {
        await updateBackupJob(h.stores, at(savedAt), {
          id: job.id,
          job: nightlyJobInput('Nightly web', 'web1', { rpoHours: 30 }),
          loadedUpdatedAt: job.updatedAt,
        });
      } else await setBackupJobEnabled(h.stores, at(savedAt), job.id, true);
      const tickAt = new Date(new Date(savedAt).getTime() + 10_000).toISOString();
      expect((await tick(h.stores, tickAt)).started).toHaveLength(1);
      expect((await getBackupJob(h.stores, ctx, job.id)).nextRunAt?.toISOString()).toBe(
        '2026-03-03T01:00:00.000Z',
      );
    });

    /** web1 gone from its host, as a sync that no longer lists it records: its backup is blocked. */
    async function web1Gone(): Promise<void> {
      const web1 = (await h.stores.inventory.getVm('web1'))?.vm;
      if (!web1) throw new Error('the lab has no web1');
      const others = (await h.stores.inventory.loadInventory()).vms.filter((vm) => vm.id !== 'web1');
      const at = new Date('2026-03-02T12:00:00Z');
      const marked = await h.stores.inventory.markGoneVms(
        web1.hostId,
        others.map((vm) => vm.id),
        at,
        at,
      );
      expect(marked.gone.map((vm) => vm.id)).toEqual(['web1']);
    }

    it.each([
      { policy: 'skip' as const, isGone: false, outcome: 'failed', says: 'skipped, as the job asks' },
      { policy: 'run-once' as const, isGone: false, outcome: 'failed', says: 'one catch-up run queued' },
      {
        policy: 'run-once' as const,
        isGone: true,
        outcome: 'failed',
        says: 'the catch-up run could not start: ',
      },
    ])(
      'runs missed while Migawka was down are told in the audit trail ($policy, VM gone: $isGone)',
      async ({ policy, isGone, outcome, says }) => {
        const job = await createBackupJob(
          h.stores,
          ctx,
          nightlyJobInput('Nightly web', 'web1', { missedRunPolicy: policy }),
        );
        if (isGone) await web1Gone();
        // Down from before the first night's 02:00 until the third day's morning: two nights missed.
        await tick(h.stores, '2026-03-03T09:00:00Z');
        await tick(h.stores, '2026-03-03T09:00:15Z');
        const entries = (
          await h.stores.audit.list({ action: 'jobs.missed-runs' }, { limit: 10, cursor: null })
        ).items;
        expect(entries).toHaveLength(1);
        expect(entries[0]).toMatchObject({
          actorLabel: 'scheduler',
          outcome,
          objects: [{ kind: 'job', id: job.id, name: 'Nightly web' }],
        });
        expect(entries[0].message).toContain('2 scheduled runs of backup job "Nightly web" were missed');
        expect(entries[0].message).toContain(says);
      },
    );

    it.each<{ save: string; change: (stores: Stores, id: string) => Promise<unknown> }>([
      {
        save: 'an edit',
        change: async (stores, id) =>
          updateBackupJob(stores, ctx, {
            id,
            job: nightlyJobInput('Nightly web', 'web1', { rpoHours: 48 }),
            loadedUpdatedAt: (await getBackupJob(h.stores, ctx, id)).updatedAt,
          }),
      },
      { save: 'a disable', change: (stores, id) => setBackupJobEnabled(stores, ctx, id, false) },
    ])("$save saved after the scheduler claimed a run keeps the scheduler's last run", async ({ change }) => {
      const job = await createBackupJob(h.stores, ctx, nightlyJobInput('Nightly web', 'web1'));
      const read = (await h.stores.jobs.get(job.id)) as JobRecord;
      const claimedRunAt = new Date(h.clock.now().getTime() + 60_000);
      const stores = withSaveAfterFirstRead(h.stores, () =>
        h.stores.jobs.claimScheduledRun({
          jobId: job.id,
          expectedLastScheduledAt: read.lastScheduledAt,
          expectedUpdatedAt: read.updatedAt,
          lastScheduledAt: claimedRunAt,
          nextRunAt: read.nextRunAt,
          run: null,
        }),
      );
      await change(stores, job.id);
      expect((await h.stores.jobs.get(job.id))?.lastScheduledAt).toEqual(claimedRunAt);
    });

    // Enabled, "scheduled", and never one run: such a job would look protected and protect nothing.
    it.each([
      { cron: '0 2 30 2 *', what: 'the 30th of February' },
      { cron: '0 2 31 4,6,9,11 *', what: 'the 31st of 30-day months' },
    ])(
      'a schedule that never fires ($what) is refused on create and on edit, saving nothing',
      async ({ cron }) => {
        const never = { cron, timeZone: 'Europe/Warsaw' };
        const refusal = {
          code: 'INVALID_INPUT',
          fieldErrors: [{ path: 'schedule.cron', message: expect.stringContaining(`"${cron}" never runs`) }],
        };
        await expect(
          createBackupJob(h.stores, ctx, nightlyJobInput('Nightly web', 'web1', { schedule: never })),
        ).rejects.toMatchObject(refusal);
        expect(await h.stores.jobs.list()).toEqual([]);

        const job = await createBackupJob(h.stores, ctx, nightlyJobInput('Nightly web', 'web1'));
        await expect(
          updateBackupJob(h.stores, ctx, {
            id: job.id,
            job: nightlyJobInput('Nightly web', 'web1', { schedule: never }),
            loadedUpdatedAt: job.updatedAt,
          }),
        ).rejects.toMatchObject({ code: 'INVALID_INPUT', fieldErrors: [{ path: 'job.schedule.cron' }] });
        expect(await getBackupJob(h.stores, ctx, job.id)).toEqual(job);
      },
    );
  });
});
