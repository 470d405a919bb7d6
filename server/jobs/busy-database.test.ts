/**
 * A busy database never costs the worker its own live step (issue 7 §6). On SQLite a large inventory
 * import holds the one write lock for seconds, longer than the busy timeout, so the worker's lease
 * renewal, claim and completion are refused with SQLITE_BUSY. Here a second connection holds a write
 * transaction open and lets go when the test says; the worker's connection gets SQLITE_BUSY at once
 * (busy_timeout 0, where the server waits 5 s first and then fails the same way). The lease timer and
 * the pauses between retries are driven by hand: nothing sleeps.
 *
 * SQLite only: PostgreSQL writers of different rows do not wait for each other, and its store
 * transactions retry serialisation failures themselves (db/stores/postgres/transaction.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { sqliteOf } from '../../db/client';
import type { BackupPlanRequest } from '../engine/backup-plan';
import { logger } from '../logger';
import { createHarness, FAST_RETRY, gateSnapshots, type Harness, manualTimers } from './test-harness';

const LEASE_MS = 15_000;
const arrayBackup: BackupPlanRequest = {
  scope: { kind: 'array-volume', arrayVolumeId: 'lun1' },
  methodByVm: { app1: 'array-snapshot', sql1: 'array-snapshot' },
  consistencyPolicy: 'require',
  passthroughPolicy: 'skip',
};

/** Lets the promise callbacks already due run (the stores answer synchronously on SQLite). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

let h: Harness;
let dir: string;
let blocker: Database.Database;
let errors: unknown[];

beforeEach(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'migawka-busy-'));
  const file = path.join(dir, 'busy.db');
  h = await createHarness({ dbFile: file });
  sqliteOf(h.sqlite()).pragma('busy_timeout = 0');
  blocker = new Database(file);
  blocker.pragma('busy_timeout = 0');
  errors = [];
});

afterEach(async () => {
  vi.restoreAllMocks();
  if (blocker.inTransaction) blocker.exec('ROLLBACK');
  blocker.close();
  await h.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The messages of the busy-database warnings logged (pino: `warn(details, message)`). */
function busyWarnings(warn: { mock: { calls: unknown[][] } }): string[] {
  return warn.mock.calls.map((call) => String(call[1])).filter((message) => message.includes('busy'));
}

describe('worker: a busy database never costs the worker its own live step (issue 7 §6)', () => {
  it('a renewal and a completion refused while another writer holds the lock are retried, and the backup succeeds', async () => {
    const warn = vi.spyOn(logger, 'warn').mockImplementation(() => undefined);
    const manual = manualTimers();
    const worker = h.createWorker({
      workerId: 'me',
      leaseMs: LEASE_MS,
      retry: FAST_RETRY,
      timers: manual.timers,
      onError: (error) => errors.push(error),
    });
    const op = await h.enqueueBackup(arrayBackup);
    const snapshot = gateSnapshots(h);
    let inFlight: Promise<void> = Promise.resolve();
    let isWaiting = false;
    void snapshot.entered.then(() => {
      isWaiting = true;
    });
    while (!isWaiting) {
      inFlight = worker.tick();
      await Promise.race([inFlight, snapshot.entered]);
    }
    const claimedLease = (await h.stores.operations.get(op.id))?.leaseExpiresAt;

    // An import takes the write lock; the renewal due 5 s later is refused.
    blocker.exec('BEGIN IMMEDIATE');
    h.clock.advance(5_000);
    manual.beat();
    const first = await manual.nextPause();
    expect(first.ms).toBe(100);
    // Not read as a lost lease: the step is still in flight and the operation still ours.
    expect(await h.stores.operations.get(op.id)).toMatchObject({ status: 'running', leaseOwner: 'me' });
    expect((await h.stores.operations.get(op.id))?.leaseExpiresAt).toEqual(claimedLease);
    // The next beat while that renewal retries starts no second one.
    manual.beat();
    await settle();
    expect(manual.pending()).toBe(0);

    // Still locked: the retry is refused too and waits longer.
    h.clock.advance(5_000);
    first.resume();
    const second = await manual.nextPause();
    expect(second.ms).toBe(200);

    // The import commits; the retry lands and extends the lease from now.
    blocker.exec('COMMIT');
    h.clock.advance(1_000);
    second.resume();
    await settle();
    expect((await h.stores.operations.get(op.id))?.leaseExpiresAt).toEqual(
      new Date(h.clock.now().getTime() + LEASE_MS),
    );

    // The step ends while another import holds the lock: its completion waits for the lock, then lands.
    blocker.exec('BEGIN IMMEDIATE');
    snapshot.release();
    const third = await manual.nextPause();
    const steps = await h.stores.operations.steps(op.id);
    expect(steps.find((step) => step.kind === 'array-snapshot')?.status).toBe('running');
    blocker.exec('COMMIT');
    third.resume();
    // Pauses asked for log lines refused meanwhile resume too.
    while (manual.pending() > 0) (await manual.nextPause()).resume();
    await inFlight;
    const after = await h.stores.operations.steps(op.id);
    expect(after.find((step) => step.kind === 'array-snapshot')?.status).toBe('succeeded');

    const [done] = await h.tickUntilFinal(worker, [op.id]);
    expect(done).toMatchObject({ status: 'succeeded', attempt: 0 });
    const events = await h.stores.operations.readEventsAfter({ operationId: op.id, limit: 5000 });
    expect(events.some((event) => event.type === 'operation.recovered')).toBe(false);
    expect(errors).toEqual([]);
    expect(busyWarnings(warn)).toEqual(
      expect.arrayContaining([
        'lease renewal refused: the database is busy; retrying',
        'step completion refused: the database is busy; retrying',
      ]),
    );
  });

  it('a claim refused while another writer holds the lock is a warning, and the next pass claims', async () => {
    const warn = vi.spyOn(logger, 'warn').mockImplementation(() => undefined);
    const worker = h.createWorker({
      workerId: 'me',
      timers: manualTimers().timers,
      onError: (e) => errors.push(e),
    });
    const op = await h.enqueueBackup(arrayBackup);
    blocker.exec('BEGIN IMMEDIATE');
    await worker.tick();
    expect(await h.stores.operations.get(op.id)).toMatchObject({ status: 'queued', leaseOwner: null });
    expect(busyWarnings(warn)).toEqual(['worker pass refused: the database is busy']);
    blocker.exec('COMMIT');
    const [done] = await h.tickUntilFinal(worker, [op.id]);
    expect(done?.status).toBe('succeeded');
    expect(errors).toEqual([]);
  });
});
