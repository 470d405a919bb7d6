/**
 * The JobStore contract: CRUD, the due-run query, and the scheduled-run claim that enqueues in
 * the same transaction — a failure between claim and enqueue leaves the job due, and claiming
 * the same run twice yields exactly one operation.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OperationPlan } from '../../../server/engine/plan-types';
import type { JobStore, OperationStore } from '../ports';
import type { NewJob, ScheduledRun } from '../ports/job-store';
import { backupPlanOf } from './operation-store.contract';

export interface JobStoreFixture {
  jobs: JobStore;
  operations: OperationStore;
  close(): Promise<void>;
}

const T0 = new Date('2026-03-01T00:00:00Z');
const TWO_AM = new Date('2026-03-01T02:00:00Z');
const NEXT_DAY = new Date('2026-03-02T02:00:00Z');

export function jobOf(id: string, overrides: Partial<NewJob> = {}): NewJob {
  return {
    id,
    name: `job ${id}`,
    requestJson: { scope: { kind: 'vms', vmIds: ['a'] } },
    cron: '0 2 * * *',
    timeZone: 'UTC',
    missedRunPolicy: 'run-once',
    retentionJson: { keepLast: 1, daily: 0, weekly: 0, monthly: 0 },
    rpoHours: 24,
    isEnabled: true,
    lastScheduledAt: T0,
    nextRunAt: TWO_AM,
    createdAt: T0,
    updatedAt: T0,
    createdBy: 'user:1',
    ...overrides,
  };
}

export function runJobStoreContract(name: string, create: () => Promise<JobStoreFixture>): void {
  describe(`JobStore contract: ${name}`, () => {
    let fixture: JobStoreFixture;
    let jobs: JobStore;
    beforeEach(async () => {
      fixture = await create();
      jobs = fixture.jobs;
    });
    afterEach(async () => {
      await fixture.close();
    });

    function claimOf(
      plan: OperationPlan,
      operationId: string,
      kind: 'enqueue' | 'blocked' = 'enqueue',
    ): ScheduledRun {
      return {
        jobId: 'j1',
        expectedLastScheduledAt: T0,
        expectedUpdatedAt: T0,
        lastScheduledAt: TWO_AM,
        nextRunAt: NEXT_DAY,
        run: {
          kind,
          plan,
          request: { scope: { kind: 'vms', vmIds: ['a'] } },
          options: {
            id: operationId,
            now: TWO_AM,
            requestedBy: 'scheduler',
            jobId: 'j1',
            title: 'Backup job j1',
          },
        },
      };
    }

    it('creates, reads, updates (recording who), lists by name and deletes', async () => {
      const created = await jobs.create(jobOf('j2', { name: 'zeta' }));
      await jobs.create(jobOf('j1', { name: 'alpha' }));
      expect(created).toMatchObject({ id: 'j2', createdBy: 'user:1', updatedBy: 'user:1' });
      expect((await jobs.get('j2'))?.name).toBe('zeta');
      expect(await jobs.get('nope')).toBeNull();
      const updated = await jobs.update('j2', { isEnabled: false, updatedAt: TWO_AM, updatedBy: 'user:2' });
      expect(updated).toMatchObject({ isEnabled: false, updatedBy: 'user:2', createdBy: 'user:1' });
      expect(await jobs.update('missing', { updatedAt: TWO_AM, updatedBy: 'user:2' })).toBeNull();
      expect((await jobs.list()).map((job) => job.name)).toEqual(['alpha', 'zeta']);
      expect(await jobs.delete('j2')).toBe(true);
      expect(await jobs.delete('j2')).toBe(false);
      expect(await jobs.get('j2')).toBeNull();
    });

    it('searches jobs by a piece of their name, case-insensitively, wildcards taken literally', async () => {
      await jobs.create(jobOf('j1', { name: 'Nightly SQL' }));
      await jobs.create(jobOf('j2', { name: 'nightly_web' }));
      await jobs.create(jobOf('j3', { name: 'Weekly 100% full' }));
      const names = async (text: string, limit = 10) =>
        (await jobs.search(text, limit)).map((job) => job.name);
      expect(await names('NIGHTLY')).toEqual(['Nightly SQL', 'nightly_web']);
      expect(await names('nightly', 1)).toEqual(['Nightly SQL']);
      expect(await names('_')).toEqual(['nightly_web']);
      expect(await names('%')).toEqual(['Weekly 100% full']);
      expect(await names('monthly')).toEqual([]);
    });

    it('finds due jobs: enabled, scheduled, next run reached', async () => {
      await jobs.create(jobOf('j1'));
      await jobs.create(jobOf('disabled', { isEnabled: false }));
      await jobs.create(jobOf('manual', { cron: null, nextRunAt: null }));
      await jobs.create(jobOf('later', { nextRunAt: NEXT_DAY }));
      expect(await jobs.due(new Date(TWO_AM.getTime() - 1))).toEqual([]);
      expect((await jobs.due(TWO_AM)).map((job) => job.id)).toEqual(['j1']);
    });

    it('claims a scheduled run and enqueues its operation together; a second claim of the same run gets nothing', async () => {
      await jobs.create(jobOf('j1'));
      const first = await jobs.claimScheduledRun(claimOf(backupPlanOf(['a']), 'op-1'));
      expect(first?.operation).toMatchObject({
        id: 'op-1',
        status: 'queued',
        jobId: 'j1',
        requestedBy: 'scheduler',
      });
      expect(await jobs.get('j1')).toMatchObject({ lastScheduledAt: TWO_AM, nextRunAt: NEXT_DAY });
      expect(await jobs.claimScheduledRun(claimOf(backupPlanOf(['a']), 'op-2'))).toBeNull();
      expect(await fixture.operations.get('op-2')).toBeNull();
      expect(await jobs.due(TWO_AM)).toEqual([]);
      expect((await jobs.lastOperations(['j1'])).get('j1')).toMatchObject({ id: 'op-1', status: 'queued' });
    });

    it.each([
      { change: 'a disable', changes: { isEnabled: false, nextRunAt: null } },
      { change: 'an edit of its retention', changes: { retentionJson: { keepLast: 30 } } },
      { change: 'an edit of its scope', changes: { requestJson: { scope: { kind: 'vms', vmIds: ['b'] } } } },
    ])(
      'a claim decided from the job as read before $change is refused: nothing runs with the old settings',
      async ({ changes }) => {
        await jobs.create(jobOf('j1'));
        // Saved while the scheduler planned the run; the checkpoint it compares is still the same.
        const saved = await jobs.update('j1', { ...changes, updatedAt: T0, updatedBy: 'user:2' });
        expect(saved?.lastScheduledAt).toEqual(T0);
        expect(await jobs.claimScheduledRun(claimOf(backupPlanOf(['a']), 'op-1'))).toBeNull();
        expect(await fixture.operations.get('op-1')).toBeNull();
        expect(await jobs.get('j1')).toMatchObject({ ...changes, lastScheduledAt: T0 });
      },
    );

    it('a failure while enqueueing leaves the run unclaimed: the job is still due, and the retry makes exactly one operation', async () => {
      await jobs.create(jobOf('j1'));
      // The insert fails inside the transaction, after the checkpoint moved (two steps under one key).
      const broken = backupPlanOf(['a']);
      broken.steps.push(broken.steps[0] as OperationPlan['steps'][number]);
      await expect(jobs.claimScheduledRun(claimOf(broken, 'op-1'))).rejects.toThrow();
      expect(await jobs.get('j1')).toMatchObject({ lastScheduledAt: T0, nextRunAt: TWO_AM });
      expect((await jobs.due(TWO_AM)).map((job) => job.id)).toEqual(['j1']);
      expect(await fixture.operations.get('op-1')).toBeNull();

      expect((await jobs.claimScheduledRun(claimOf(backupPlanOf(['a']), 'op-2')))?.operation?.id).toBe(
        'op-2',
      );
      expect(await jobs.claimScheduledRun(claimOf(backupPlanOf(['a']), 'op-3'))).toBeNull();
      const page = await fixture.operations.list({ jobId: 'j1', limit: 10 });
      expect(page.items.map((item) => item.id)).toEqual(['op-2']);
    });

    it('a blocked run is recorded failed with the claim; a claim without a run only moves the checkpoint', async () => {
      await jobs.create(jobOf('j1'));
      const blocked = {
        ...backupPlanOf(['a']),
        isRunnable: false,
        blockedReasons: ['host h1 is unreachable'],
      };
      const claimed = await jobs.claimScheduledRun(claimOf(blocked, 'op-1', 'blocked'));
      expect(claimed?.operation).toMatchObject({
        status: 'failed',
        error: 'blocked: host h1 is unreachable',
      });
      await jobs.create(jobOf('j9', { name: 'skipper' }));
      const skipped = await jobs.claimScheduledRun({
        ...claimOf(backupPlanOf(['a']), 'x'),
        jobId: 'j9',
        run: null,
      });
      expect(skipped).toEqual({ operation: null });
      expect(await jobs.get('j9')).toMatchObject({ lastScheduledAt: TWO_AM, nextRunAt: NEXT_DAY });
    });
  });
}
