/**
 * Runs needing attention (ProtectionStore contract), for a job's run that succeeded with warnings:
 * it speaks for its job until a newer run of the job has come to an outcome. A newer run that is
 * only queued, waiting, running or being cancelled has not backed anything up yet, and one that was
 * cancelled never did: neither says the warning is gone, so the warned run stays listed. A newer
 * run that ended (clean, warned, failed or interrupted) takes over; the last three are listed
 * themselves.
 *
 * A failed or interrupted run stays listed until a retry of it has ended: a retry in flight has
 * backed nothing up, so the failure stays, naming the retry (`unfinishedRetry`: the page links it
 * rather than offer another); a retry that ended takes over (listed itself when it failed or
 * warned); and a retry that was cancelled retried nothing, so the failure stands.
 *
 * The runs' outcomes are written as rows: what matters here is which status the newer run has,
 * not how a worker drove it there.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OperationStatus } from '../../../server/engine/statuses';
import type { Stores } from '../ports';
import { backupPlanOf } from './operation-store.contract';
import { jobOf } from './protection-job-changes';
import type { RawSql } from './raw-sql';

export interface RunsNeedingAttentionFixture {
  stores: Stores;
  sql: RawSql;
  close(): Promise<void>;
}

const HOUR = 3_600_000;
const NOW = new Date('2026-06-15T10:30:00Z');
const hoursAgo = (hours: number) => new Date(NOW.getTime() - hours * HOUR);

/** The newer run's status, and whether the older warned run of the same job is still listed. */
const NEWER_RUNS: { newer: OperationStatus; warnedListed: boolean; newerListed: boolean }[] = [
  { newer: 'queued', warnedListed: true, newerListed: false },
  { newer: 'waiting', warnedListed: true, newerListed: false },
  { newer: 'running', warnedListed: true, newerListed: false },
  { newer: 'cancelling', warnedListed: true, newerListed: false },
  { newer: 'cancelled', warnedListed: true, newerListed: false },
  { newer: 'succeeded', warnedListed: false, newerListed: false },
  { newer: 'succeeded-with-warnings', warnedListed: false, newerListed: true },
  { newer: 'failed', warnedListed: false, newerListed: true },
  { newer: 'interrupted', warnedListed: false, newerListed: true },
];

/**
 * The retry's status, whether the failed run it retries is still listed, whether the retry itself
 * is, and whether the failed run's row names the retry as under way.
 */
const RETRIES: { retry: OperationStatus; failedListed: boolean; retryListed: boolean; underWay: boolean }[] =
  [
    { retry: 'queued', failedListed: true, retryListed: false, underWay: true },
    { retry: 'waiting', failedListed: true, retryListed: false, underWay: true },
    { retry: 'running', failedListed: true, retryListed: false, underWay: true },
    { retry: 'cancelling', failedListed: true, retryListed: false, underWay: true },
    { retry: 'cancelled', failedListed: true, retryListed: false, underWay: false },
    { retry: 'succeeded', failedListed: false, retryListed: false, underWay: false },
    { retry: 'succeeded-with-warnings', failedListed: false, retryListed: true, underWay: false },
    { retry: 'failed', failedListed: false, retryListed: true, underWay: false },
    { retry: 'interrupted', failedListed: false, retryListed: true, underWay: false },
  ];

const FINAL: ReadonlySet<OperationStatus> = new Set([
  'succeeded',
  'succeeded-with-warnings',
  'failed',
  'cancelled',
  'interrupted',
]);

export function runRunsNeedingAttentionContract(
  name: string,
  create: () => Promise<RunsNeedingAttentionFixture>,
): void {
  describe(`runs needing attention: ${name}`, () => {
    let fixture: RunsNeedingAttentionFixture;

    beforeEach(async () => {
      fixture = await create();
      await fixture.stores.jobs.create(jobOf('j-1', { kind: 'vms', vmIds: ['vm-a'] }, 24));
    });
    afterEach(async () => {
      await fixture.close();
    });

    /**
     * A run of job j-1 created at `createdAt`, set to `status` (finished an hour later when final);
     * with `retryOfId`, the retry of that run.
     */
    async function run(
      id: string,
      createdAt: Date,
      status: OperationStatus,
      retryOfId?: string,
    ): Promise<void> {
      const { stores, sql } = fixture;
      await stores.operations.enqueue(
        backupPlanOf(['vm-a']),
        {},
        { id, now: createdAt, requestedBy: 'system', jobId: 'j-1', retryOfId: retryOfId ?? null },
      );
      const finishedAt = FINAL.has(status) ? sql.time(createdAt.getTime() + HOUR) : null;
      const warnings = status === 'succeeded-with-warnings' ? ['catalog vm-a: disk vm-a-pt left out'] : [];
      await sql.run(
        'update operations set status = ?, finished_at = ?, warnings_json = ? where id = ?',
        status,
        finishedAt,
        JSON.stringify(warnings),
        id,
      );
    }

    const listed = async () =>
      (await fixture.stores.protection.listRunsNeedingAttention(hoursAgo(24 * 7), 10)).map(
        (attention) => attention.operationId,
      );

    it.each(NEWER_RUNS)(
      'a newer run $newer: the warned run listed $warnedListed, the newer $newerListed',
      async ({ newer, warnedListed, newerListed }) => {
        await run('op-warned', hoursAgo(5), 'succeeded-with-warnings');
        await run('op-newer', hoursAgo(2), newer);
        expect(await listed()).toEqual([
          ...(newerListed ? ['op-newer'] : []),
          ...(warnedListed ? ['op-warned'] : []),
        ]);
      },
    );

    it.each(RETRIES)(
      'a failed run retried, the retry $retry: the failed run listed $failedListed, the retry $retryListed, under way $underWay',
      async ({ retry, failedListed, retryListed, underWay }) => {
        await run('op-failed', hoursAgo(5), 'failed');
        await run('op-retry', hoursAgo(2), retry, 'op-failed');
        expect(await listed()).toEqual([
          ...(retryListed ? ['op-retry'] : []),
          ...(failedListed ? ['op-failed'] : []),
        ]);
        const runs = await fixture.stores.protection.listRunsNeedingAttention(hoursAgo(24 * 7), 10);
        expect(
          runs.find((attention) => attention.operationId === 'op-failed')?.unfinishedRetry ?? null,
        ).toEqual(underWay ? { operationId: 'op-retry', status: retry } : null);
      },
    );

    it('a newer run that ended speaks for the job even when a still newer one is only queued', async () => {
      await run('op-warned', hoursAgo(5), 'succeeded-with-warnings');
      await run('op-clean', hoursAgo(3), 'succeeded');
      await run('op-queued', hoursAgo(1), 'queued');
      expect(await listed()).toEqual([]);
    });

    it('the newest of two warned runs is the one listed while a third is running', async () => {
      await run('op-warned-1', hoursAgo(5), 'succeeded-with-warnings');
      await run('op-warned-2', hoursAgo(3), 'succeeded-with-warnings');
      await run('op-running', hoursAgo(1), 'running');
      expect(await listed()).toEqual(['op-warned-2']);
    });
  });
}
