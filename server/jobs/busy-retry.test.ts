// No database: retryWhileBusy over errors as each dialect raises them (a lost PostgreSQL
// connection, and the real ones, in connection-loss.test.ts; SQLite's real busy in busy-database.test.ts).
import { describe, expect, it } from 'vitest';
import { retryWhileBusy } from './busy-retry';

const busy = Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });

/** Calls `work` through retryWhileBusy with pauses that return at once, recording them. */
async function run<T>(work: () => Promise<T>, shouldRetry = () => true) {
  const pauses: number[] = [];
  const result = await retryWhileBusy(work, {
    wait: async (ms) => {
      pauses.push(ms);
    },
    shouldRetry,
    onBusy: () => undefined,
    firstDelayMs: 100,
    maxDelayMs: 400,
  }).then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  return { result, pauses };
}

describe('retryWhileBusy', () => {
  it.each([
    ['SQLite busy', busy],
    ['SQLite busy, extended code', Object.assign(new Error('locked'), { code: 'SQLITE_BUSY_SNAPSHOT' })],
    ['busy as the cause of a wrapped error', new Error('query failed', { cause: busy })],
    ['PostgreSQL lock timeout', Object.assign(new Error('lock timeout'), { code: '55P03' })],
    ['a lost PostgreSQL connection', new Error('Connection terminated unexpectedly')],
    [
      'a PostgreSQL backend terminated',
      Object.assign(new Error('terminating connection'), { code: '57P01' }),
    ],
  ])('retries %s with growing pauses until the call lands', async (_name, error) => {
    let calls = 0;
    const { result, pauses } = await run(async () => {
      calls++;
      if (calls <= 4) throw error;
      return 'renewed';
    });
    expect(result).toEqual({ value: 'renewed' });
    expect(pauses).toEqual([100, 200, 400, 400]);
  });

  it('does not retry any other error', async () => {
    const other = Object.assign(new Error('no such table'), { code: 'SQLITE_ERROR' });
    const { result, pauses } = await run(async () => {
      throw other;
    });
    expect(result).toEqual({ error: other });
    expect(pauses).toEqual([]);
  });

  it('gives the busy error back once retrying is pointless', async () => {
    let allowed = 2;
    const { result, pauses } = await run(
      async () => {
        throw busy;
      },
      () => allowed-- > 0,
    );
    expect(result).toEqual({ error: busy });
    expect(pauses).toEqual([100, 200]);
  });
});
