/**
 * The protection page's "Runs needing attention" shows at most its limit and says when more were
 * left out: the service asks the store for one more than it shows. A failed run stands until a
 * retry of it has ended: a retry still queued or running has backed nothing up.
 */
import { describe, expect, it } from 'vitest';
import { storeDialects } from '../../db/stores/contract/dialects';
import type { RunNeedingAttention } from '../../db/stores/ports/protection';
import type { HypervisorDriver } from '../drivers/roles';
import { DriverError } from '../engine/driver';
import type { Harness } from '../jobs/test-harness';
import type { Worker } from '../jobs/worker';
import { startBackup } from './operations-service';
import { listRunsNeedingAttention } from './protection-service';
import { retryFailed } from './retry-service';
import { harnessPerTest, serviceRunHelpers } from './service-test-support';

const NOW = new Date('2026-09-01T12:00:00Z');

function failedRuns(count: number): RunNeedingAttention[] {
  return Array.from({ length: count }, (_, i) => ({
    operationId: `op-${String(i).padStart(3, '0')}`,
    kind: 'backup' as const,
    status: 'failed' as const,
    title: `Backup ${i}`,
    error: 'the host did not answer',
    warnings: [],
    jobId: null,
    createdAt: new Date(NOW.getTime() - (i + 1) * 60_000),
    finishedAt: null,
    unfinishedRetry: null,
  }));
}

/** The store's answer: the newest `limit` of these runs, as the SQL's `limit` gives them. */
function storeHolding(runs: RunNeedingAttention[]) {
  const asked: { since: Date; limit: number }[] = [];
  const protection = {
    listRunsNeedingAttention: async (since: Date, limit: number) => {
      asked.push({ since, limit });
      return runs.slice(0, limit);
    },
  };
  return { stores: { protection } as never, asked };
}

describe('listRunsNeedingAttention', () => {
  it.each([
    [0, 0, false],
    [19, 19, false],
    [20, 20, false],
    [21, 20, true],
    [250, 20, true],
  ])('with %i runs stored it shows %i, more left out: %s', async (stored, shown, hasMore) => {
    const { stores, asked } = storeHolding(failedRuns(stored));
    const answer = await listRunsNeedingAttention(stores, { now: () => NOW });
    expect(answer.runs).toHaveLength(shown);
    expect(answer.hasMore).toBe(hasMore);
    expect(answer.runs[0]?.operationId).toBe(stored > 0 ? 'op-000' : undefined);
    expect(asked).toEqual([{ since: new Date('2026-08-18T12:00:00Z'), limit: 21 }]);
  });

  // A retry that destroys data again opens a dialog asking for a name; only a restore's request says so.
  it.each<[string, RunNeedingAttention['kind'], Record<string, unknown>, boolean]>([
    ['a backup', 'backup', {}, false],
    ['a verify', 'verify-point', {}, false],
    ["a point's deletion", 'delete-point', {}, true],
    ['a restore as a new VM', 'restore', { mode: 'as-new', newVmName: 'web-copy' }, false],
    ['a staged restore copied out', 'restore', { mode: 'staged', newVmName: 'web-copy' }, false],
    ['a staged restore copied back in place', 'restore', { mode: 'staged' }, true],
    ['an in-place restore', 'restore', { mode: 'in-place' }, true],
    ['a volume revert', 'restore', { mode: 'volume-revert' }, true],
  ])('%s (%s, %j): its retry destroys data again: %s', async (_what, kind, request, isDestructiveRetry) => {
    const [failed] = failedRuns(1);
    const protection = { listRunsNeedingAttention: async () => [{ ...failed, kind }] };
    const operations = { get: async () => ({ requestJson: request }) };
    const answer = await listRunsNeedingAttention({ protection, operations } as never, { now: () => NOW });
    expect(answer.runs.map((run) => run.isDestructiveRetry)).toEqual([isDestructiveRetry]);
  });
});

let h: Harness;
let worker: Worker;
const { ctx, run } = serviceRunHelpers(() => ({ h, worker }));

describe.each(await storeDialects('attentionretry'))('$name', (dialect) => {
  describe.skipIf(dialect.skip !== null)('a failed run and its retry', () => {
    harnessPerTest(dialect, (harness, harnessWorker) => {
      h = harness;
      worker = harnessWorker;
    });

    it('stands, naming the retry, until the retry has ended; then the retry speaks for it', async () => {
      // The host refuses the first run's snapshot.
      const lab = h.driver.hypervisor();
      const refusing: HypervisorDriver = Object.assign(Object.create(lab) as HypervisorDriver, {
        createSnapshot: async () => {
          throw new DriverError('invalid-state', 'the host refused the snapshot', { isRetryable: false });
        },
      });
      const drivers = h.driversWithHypervisor(refusing);
      const first = await startBackup(h.stores, ctx(), {
        scope: { kind: 'vms', vmIds: ['app1'] },
        consistencyPolicy: 'fallback',
        passthroughPolicy: 'skip',
      });
      const [failed] = await h.tickUntilFinal(h.createWorker({ drivers }), [first.operationId]);
      expect(failed.status).toBe('failed');
      const attention = async () =>
        (await listRunsNeedingAttention(h.stores, { now: () => h.clock.now() })).runs.map((row) => [
          row.operationId,
          row.unfinishedRetry,
        ]);
      expect(await attention()).toEqual([[first.operationId, null]]);

      const retry = await retryFailed(h.stores, ctx(), first.operationId);
      if (!('operationId' in retry)) throw new Error('the retry needs no approval');
      expect(await attention()).toEqual([
        [first.operationId, { operationId: retry.operationId, status: 'queued' }],
      ]);
      expect((await run(retry)).status).toBe('succeeded');
      expect(await attention()).toEqual([]);
    });
  });
});
