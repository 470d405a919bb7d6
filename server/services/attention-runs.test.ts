/**
 * The protection page's "Runs needing attention" shows at most its limit and says when more were
 * left out: the service asks the store for one more than it shows.
 */
import { describe, expect, it } from 'vitest';
import type { RunNeedingAttention } from '../../db/stores/ports/protection';
import { listRunsNeedingAttention } from './protection-service';

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
});
