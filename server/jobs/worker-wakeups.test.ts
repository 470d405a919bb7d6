/**
 * An idle worker claims as soon as work is committed, not at its next poll: here the poll is a
 * minute and time is fake, so only a wake-up can start the operation. The work is committed out of
 * this process's hearing (the event bus gated shut, as for another node's commit), so what wakes
 * the worker is the cross-process signal: on PostgreSQL the store's LISTEN/NOTIFY (a real
 * notification from the server), on SQLite a wake-up the test injects (another process has no
 * such signal there; one process hears its own work on the bus). Nothing sleeps: the test waits on
 * the notification's promise and on the pool going idle.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type StoreDialect, storeDialects } from '../../db/stores/contract/dialects';
import { gateOperationEvents } from '../../db/stores/operation-event-bus';
import type { BackupPlanRequest } from '../engine/backup-plan';
import { createHarness, type Harness } from './test-harness';

const dialects = await storeDialects('wakeups');
let h: Harness | undefined;
let ungate: (() => void) | undefined;

afterEach(async () => {
  ungate?.();
  ungate = undefined;
  await h?.close();
  h = undefined;
  vi.useRealTimers();
});

/** A count of signals; `next()` resolves at the next one (or at once if one is pending). */
function signals() {
  let pending = 0;
  let resolveNext: (() => void) | null = null;
  return {
    fire() {
      if (resolveNext) {
        resolveNext();
        resolveNext = null;
      } else pending++;
    },
    next(): Promise<void> {
      if (pending > 0) {
        pending--;
        return Promise.resolve();
      }
      return new Promise((resolve) => {
        resolveNext = resolve;
      });
    },
  };
}

const backupOf = (vmIds: string[]): BackupPlanRequest => ({
  scope: { kind: 'vms', vmIds },
  consistencyPolicy: 'fallback',
  passthroughPolicy: 'skip',
});

/**
 * Lets due timers fire and, on PostgreSQL, the worker's round trips finish, without moving time
 * (one connection stays checked out: the worker's LISTEN).
 */
async function untilDatabaseIdle(harness: Harness): Promise<void> {
  await vi.advanceTimersByTimeAsync(0);
  if (harness.database.kind !== 'postgres') return;
  const pool = harness.database.pg.pool;
  for (let tries = 0; tries < 1000; tries++) {
    await vi.advanceTimersByTimeAsync(0);
    if (pool.totalCount - pool.idleCount <= 1 && pool.waitingCount === 0) return;
    await harness.stores.operations.get('op-none'); // one round trip, during which the worker's go on
  }
  throw new Error('the worker never stopped using the database');
}

const POLL_MS = 60_000;

describe.each(dialects)('$name', (dialect: StoreDialect) => {
  describe.skipIf(dialect.skip !== null)('an idle worker woken by work committed elsewhere', () => {
    it('claims at once, a minute before its poll', async () => {
      vi.useFakeTimers({ now: new Date('2026-11-30T02:00:00Z') });
      const harness = await createHarness({ dialect });
      h = harness;
      if (harness.database.kind === 'postgres') harness.database.pg.pool.options.idleTimeoutMillis = 0;
      const woken = signals();
      const listening = signals();
      let injectedWake: (() => void) | undefined;
      const watchWork = harness.stores.operations.watchWork?.bind(harness.stores.operations);
      expect(watchWork !== undefined, 'PostgreSQL stores offer a work signal, SQLite ones do not').toBe(
        dialect.name === 'PostgreSQL',
      );
      harness.startWorker({
        pollMs: POLL_MS,
        wakeups: (wake) => {
          if (!watchWork) {
            injectedWake = wake;
            listening.fire();
            return () => {};
          }
          return watchWork(
            () => {
              wake();
              woken.fire();
            },
            { onListening: listening.fire },
          );
        },
      });
      await listening.next();
      await untilDatabaseIdle(harness); // the first pass: nothing to do

      // Committed as another node would: this process's bus does not hear it.
      ungate = gateOperationEvents(() => {});
      const op = await harness.enqueueBackup(backupOf(['web1']), { now: new Date() });
      if (injectedWake) {
        await untilDatabaseIdle(harness);
        expect((await harness.stores.operations.get(op.id))?.status, 'not heard, not claimed').toBe('queued');
        injectedWake();
      } else await woken.next(); // PostgreSQL's notification, at the enqueue's commit
      await untilDatabaseIdle(harness);
      const steps = await harness.stores.operations.steps(op.id);
      // Claimed with no time passed; the lab's steps answer at once, so it may already have run
      // to its end: what matters is that it left the queue before any poll.
      expect(['running', 'succeeded']).toContain((await harness.stores.operations.get(op.id))?.status);
      expect(steps[0]?.status, 'the first step claimed with no time passed').not.toBe('pending');
      expect(steps[0]?.startedAt?.getTime()).toBe(new Date('2026-11-30T02:00:00Z').getTime());

      // The rest runs as usual, so the worker stops with nothing in flight.
      ungate();
      ungate = undefined;
      for (let tries = 0; tries < 200; tries++) {
        const status = (await harness.stores.operations.get(op.id))?.status;
        if (status !== 'running' && status !== 'queued') break;
        await vi.advanceTimersByTimeAsync(1_000);
        await untilDatabaseIdle(harness);
      }
      expect((await harness.stores.operations.get(op.id))?.status).toMatch(/^succeeded/);
    });
  });
});
