import { describe, expect, it } from 'vitest';
import { judge } from './report';
import { type ClaimRound, claimRoundRows, listPageRows, perSecond } from './scale-out-rows';

describe('perSecond', () => {
  it.each([
    { name: 'counts per second of the elapsed milliseconds', count: 30, elapsedMs: 2_000, expected: 15 },
    { name: 'nothing counted is zero per second', count: 0, elapsedMs: 500, expected: 0 },
  ])('$name', ({ count, elapsedMs, expected }) => {
    expect(perSecond(count, elapsedMs)).toBe(expected);
  });

  it('is NaN, never Infinity, when no time was measured', () => {
    expect(perSecond(5, 0)).toBeNaN();
    expect(perSecond(5, Number.NaN)).toBeNaN();
  });
});

function round(
  store: ClaimRound['store'],
  workers: number,
  steps: number[],
  overrides: Partial<ClaimRound> = {},
) {
  return {
    store,
    workers,
    elapsedMs: 2_000,
    operations: 4,
    stepMs: steps,
    emptyClaims: 0,
    busyRetries: 0,
    queuedAfter: 100,
    ...overrides,
  } satisfies ClaimRound;
}

describe('claim rounds, SQLite beside PostgreSQL', () => {
  // 1 worker: 4 steps in 2 s on each store; 2 workers: 10 steps on SQLite, 6 on PostgreSQL.
  const rounds = [
    round('PostgreSQL', 2, [40, 10, 30, 20, 50, 60], { operations: 1 }),
    round('SQLite', 1, [1, 2, 3, 4]),
    round('PostgreSQL', 1, [5, 6, 7, 8], { operations: 2 }),
    round('SQLite', 2, [1, 1, 1, 1, 1, 2, 2, 2, 2, 9], { busyRetries: 3, queuedAfter: 0 }),
  ];
  const rows = claimRoundRows(rounds, { 'PostgreSQL:2': { min: 1 } });

  it('lists per worker count SQLite then PostgreSQL, throughput rows before per-step rows', () => {
    expect(rows.map((row) => row.scenario)).toEqual([
      'claims, 1 worker, SQLite: claim + complete per second',
      'claims, 1 worker, PostgreSQL: claim + complete per second',
      'claims, 1 worker, SQLite: claim + complete per step',
      'claims, 1 worker, PostgreSQL: claim + complete per step',
      'claims, 2 workers, SQLite: claim + complete per second',
      'claims, 2 workers, PostgreSQL: claim + complete per second',
      'claims, 2 workers, SQLite: claim + complete per step',
      'claims, 2 workers, PostgreSQL: claim + complete per step',
    ]);
  });

  it('gives throughput in steps per second, its ratio to the same store’s 1-worker round', () => {
    const verdicts = rows.map(judge);
    expect(rows[0].value.median).toBe(2);
    expect(rows[0].floor).toBeUndefined();
    expect(rows[4].value.median).toBe(5);
    expect(verdicts[4].ratio).toBe(2.5);
    expect(rows[5].value.median).toBe(3);
    expect(verdicts[5].ratio).toBe(1.5);
    expect(verdicts[5].isMet).toBe(true);
    expect(verdicts[4].isMet).toBeUndefined();
  });

  it('gives per-step median and p95 over every worker’s steps, PostgreSQL’s ratio to SQLite’s', () => {
    const verdicts = rows.map(judge);
    expect(rows[2].value).toEqual({ median: 2, p95: 4, count: 4 });
    expect(rows[2].floor).toBeUndefined();
    expect(rows[3].value).toEqual({ median: 6, p95: 8, count: 4 });
    expect(verdicts[3].ratio).toBe(3);
    expect(rows[7].value).toEqual({ median: 30, p95: 60, count: 6 });
    expect(verdicts[7].ratio).toBe(30);
  });

  it('notes the operations finished per second, the retries and a queue that ran dry', () => {
    expect(rows[1].note).toContain('4 steps and 2 operations finished (1.00/s) in 2.0 s');
    expect(rows[4].note).toContain('3 busy retries');
    expect(rows[4].note).toContain('the queue ran dry');
    expect(rows[4].note).toContain('floor: 1 worker on SQLite');
    expect(rows[0].note).not.toContain('floor');
  });
});

describe('list pages on both stores', () => {
  it('gives SQLite’s row, then PostgreSQL’s with SQLite as its floor', () => {
    const [sqlite, postgres] = listPageRows('vms.list first page', {
      sqlite: [2, 1, 3],
      postgres: [6, 4, 5],
    }).map(judge);
    expect(sqlite.row.scenario).toBe('vms.list first page, router in process, SQLite');
    expect(sqlite.row.value.median).toBe(2);
    expect(sqlite.ratio).toBeNaN();
    expect(postgres.row.scenario).toBe('vms.list first page, router in process, PostgreSQL');
    expect(postgres.row.value.median).toBe(5);
    expect(postgres.ratio).toBe(2.5);
    expect(postgres.row.note).toBe('floor: SQLite');
  });
});
