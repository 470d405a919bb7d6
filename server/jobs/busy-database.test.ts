/**
 * A busy database never costs the worker its own live step (issue 7 §6). On SQLite a large inventory
 * import holds the one write lock for seconds, longer than the busy timeout, so the worker's lease
 * renewal, claim and completion are refused with SQLITE_BUSY. Here a second connection holds a write
 * transaction open and lets go when the test says; the worker's connection gets SQLITE_BUSY at once
 * (busy_timeout 0, where the server waits 5 s first and then fails the same way). The lease timer and
 * the pauses between retries are driven by hand: nothing sleeps.
 *
 * SQLite only: PostgreSQL writers of different rows do not wait for each other, and its store
 * transactions retry serialisation failures themselves (db/stores/postgres/transaction.ts). The
 * PostgreSQL counterpart, the same renewal / claim / completion refused and retried, is a lost
 * connection: connection-loss.test.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { sqliteOf } from '../../db/client';
import { logger } from '../logger';
import { createHarness, type Harness } from './test-harness';
import {
  arrayBackup,
  LEASE_MS,
  manualWorker,
  tickUntilSnapshotWaits,
  warningsAbout,
} from './worker-test-support';

/** Lets the promise callbacks already due run (the stores answer synchronously on SQLite). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

let h: Harness;
let dir: string;
let blocker: Database.Database;

beforeEach(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'migawka-busy-'));
  const file = path.join(dir, 'busy.db');
  h = await createHarness({ dbFile: file });
  sqliteOf(h.sqlite()).pragma('busy_timeout = 0');
  blocker = new Database(file);
  blocker.pragma('busy_timeout = 0');
});

afterEach(async () => {
  vi.restoreAllMocks();
  if (blocker.inTransaction) blocker.exec('ROLLBACK');
  blocker.close();
  await h.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The busy-database warnings logged. */
const busyWarnings = (warn: { mock: { calls: unknown[][] } }) => warningsAbout(warn, 'busy');

describe('worker: a busy database never costs the worker its own live step (issue 7 §6)', () => {
  it('a renewal and a completion refused while another writer holds the lock are retried, and the backup succeeds', async () => {
    const warn = vi.spyOn(logger, 'warn').mockImplementation(() => undefined);
    const { worker, manual, errors } = manualWorker(h);
    const op = await h.enqueueBackup(arrayBackup);
    const { inFlight, snapshot } = await tickUntilSnapshotWaits(h, worker);
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
    const { worker, errors } = manualWorker(h);
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
