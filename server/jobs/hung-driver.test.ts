/**
 * A host that never answers must cost a step its deadline, never the operation its end: the worker
 * renews the lease while the call is in flight, so without deadlines it would stay running forever.
 * Time is driven with fake timers; nothing sleeps.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type StoreDialect, storeDialects } from '../../db/stores/contract/dialects';
import type { HypervisorDriver } from '../drivers/roles';
import { type HungCall, neverAnswering } from '../drivers/test-doubles';
import type { BackupPlanRequest } from '../engine/backup-plan';
import { STEP_HANDLERS } from './steps';
import { createHarness, type Harness } from './test-harness';

let h: Harness;
let calls: HungCall[];
const dialects = await storeDialects('hungdriver');

async function startHungWorker(dialect: StoreDialect) {
  vi.useFakeTimers({ now: new Date('2026-11-24T02:00:00Z') });
  h = await createHarness({ dialect });
  // Fake time would close the pool's idle connections every 10 simulated seconds (pg-pool's idle
  // timer), and every query would open a new one: keep them, as ten real seconds would.
  if (h.database.kind === 'postgres') h.database.pg.pool.options.idleTimeoutMillis = 0;
  // Power states answer (the run-time checks pass); everything else a host does hangs.
  const hung = neverAnswering<HypervisorDriver>('lab', {
    driver: h.driver.hypervisor(),
    methods: ['getPowerState'],
  });
  calls = hung.calls;
  // The lab answers for arrays and the repository; every host's hypervisor hangs.
  const drivers = h.driversWithHypervisor(hung.driver);
  // Woken by its poll only: a NOTIFY listener would hold one of the pool's connections for good,
  // and this suite waits for the pool to fall idle between fake-time ticks (untilDatabaseIdle).
  // The wake-ups themselves are worker-wakeups.test.ts's.
  h.startWorker({ drivers, pollMs: 10_000, leaseMs: 30_000, wakeups: () => () => {} });
}

afterEach(async () => {
  // Every test runs its operation to its end, so nothing is in flight when the worker stops.
  await h?.close();
  vi.useRealTimers();
});

async function operationStatus(id: string): Promise<string | undefined> {
  return (await h.stores.operations.get(id))?.status;
}

async function stepOf(operationId: string, key: string) {
  return (await h.stores.operations.steps(operationId)).find((step) => step.key === key);
}

/**
 * Lets the worker finish what is due by now, without moving the clock. On PostgreSQL its store
 * calls are real round trips, which fake time does not wait for: this waits until none of the
 * pool's connections is in use once the timers already due have fired. SQLite answers
 * synchronously, so there it returns at once. Nothing sleeps.
 */
async function untilDatabaseIdle(): Promise<void> {
  if (h.database.kind !== 'postgres') return;
  const pool = h.database.pg.pool;
  for (let tries = 0; tries < 1000; tries++) {
    await vi.advanceTimersByTimeAsync(0);
    if (pool.totalCount === pool.idleCount && pool.waitingCount === 0) return;
    await h.stores.operations.get('op-none'); // one round trip, during which the worker's go on
  }
  throw new Error('the worker never stopped using the database');
}

/** Advances simulated time in ten-second ticks until the operation is final (or `limitMs` passes). */
async function runUntilFinal(operationId: string, limitMs: number): Promise<number> {
  for (let elapsed = 0; elapsed <= limitMs; elapsed += 10_000) {
    if (
      ['succeeded', 'partial', 'failed', 'cancelled', 'interrupted'].includes(
        (await operationStatus(operationId)) ?? '',
      )
    )
      return elapsed;
    await vi.advanceTimersByTimeAsync(10_000);
    await untilDatabaseIdle();
  }
  throw new Error(`operation still ${await operationStatus(operationId)} after ${limitMs} ms`);
}

const backupOf = (vmIds: string[], extra: Partial<BackupPlanRequest> = {}): BackupPlanRequest => ({
  scope: { kind: 'vms', vmIds },
  consistencyPolicy: 'fallback',
  passthroughPolicy: 'skip',
  ...extra,
});

const MINUTE = 60_000;

describe.each(dialects)('$name', (dialect) => {
  describe.skipIf(dialect.skip !== null)('a driver that never answers', () => {
    beforeEach(() => startHungWorker(dialect));

    it('times out at each attempt, still owes its cleanup, and the operation ends failed', async () => {
      const op = await h.enqueueBackup(backupOf(['legacy1']), { now: new Date() });
      await vi.advanceTimersByTimeAsync(1000);
      await untilDatabaseIdle();
      expect(await operationStatus(op.id)).toBe('running');
      expect(calls.map((call) => call.method)).toEqual(['saveState']);

      // save-state: 3 attempts (FAST_RETRY) of one deadline each; then its cleanup (resume) the same.
      const deadline = STEP_HANDLERS['save-state'].deadlineMs;
      expect(deadline).toBe(10 * MINUTE);
      const elapsed = await runUntilFinal(op.id, 7 * deadline);
      expect(elapsed).toBeGreaterThanOrEqual(6 * deadline - 10_000);
      expect(await operationStatus(op.id)).toBe('failed');
      const saveState = await stepOf(op.id, 'vm:legacy1:save-state');
      expect(saveState).toMatchObject({ status: 'failed', faultCode: 'timeout', attempts: 3 });
      expect(saveState?.error).toContain('lab hypervisor hv1 saveState did not answer within 10 min');
      expect(await stepOf(op.id, 'vm:legacy1:resume')).toMatchObject({
        status: 'failed',
        faultCode: 'timeout',
      });
      expect(calls.map((call) => call.method)).toEqual([
        ...Array(3).fill('saveState'),
        ...Array(3).fill('resume'),
      ]);
      expect(calls.every((call) => call.signal.aborted)).toBe(true);
    });

    it('a guest script that hangs is not asked again: its timeout fails the step at once', async () => {
      const op = await h.enqueueBackup(
        backupOf(['sql1'], {
          consistencyPolicy: 'require',
          scripts: { sql1: { preFreeze: { command: 'flush', timeoutSeconds: 30 } } },
        }),
        { now: new Date() },
      );
      await runUntilFinal(op.id, 60 * MINUTE);
      const script = await stepOf(op.id, 'vm:sql1:pre-freeze-script');
      expect(script).toMatchObject({ status: 'failed', faultCode: 'timeout', attempts: 1 });
      // The script's own timeout is added to the call's deadline.
      expect(script?.error).toContain('lab hypervisor hv1 runGuestScript did not answer within 3 min');
      expect(await operationStatus(op.id)).toBe('failed');
      expect(calls.filter((call) => call.method === 'runGuestScript')).toHaveLength(1);
    });

    it('a cancel reaches the hung call at once; the owed cleanup still gets its deadline', async () => {
      const op = await h.enqueueBackup(backupOf(['app1']), { now: new Date() });
      await vi.advanceTimersByTimeAsync(1000);
      await untilDatabaseIdle();
      expect(calls.map((call) => call.method)).toEqual(['createSnapshot']);
      expect(await h.stores.operations.cancel(op.id, new Date(), 'system')).toBe('cancelling');
      // The lease renewal (every leaseMs / 3 = 10 s) sees the cancel and aborts the call in flight.
      await vi.advanceTimersByTimeAsync(10_000);
      await untilDatabaseIdle();
      expect(calls[0].signal.aborted).toBe(true);
      expect((await stepOf(op.id, 'vm:app1:vss-snapshot'))?.status).toBe('cancelled');
      // The snapshot may exist: its release is owed, is not cancelled, and is bounded by its deadline.
      expect(calls[1]).toMatchObject({ method: 'releaseSnapshot' });
      expect(calls[1].signal.aborted).toBe(false);
      await runUntilFinal(op.id, 4 * STEP_HANDLERS['release-snapshot'].deadlineMs);
      expect(await stepOf(op.id, 'vm:app1:release-snapshot')).toMatchObject({
        status: 'failed',
        faultCode: 'timeout',
      });
      expect(await operationStatus(op.id)).toBe('cancelled');
    });
  });
});
