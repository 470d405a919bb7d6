/**
 * The scaffolding of the suites that take the database away from a running worker: a busy SQLite
 * file (busy-database.test.ts) and a lost PostgreSQL connection (connection-loss.test.ts). Both
 * run one array backup with a worker whose lease timer and retry pauses the test drives by hand
 * (manualTimers), hold its snapshot at a gate, and read the warnings it logs. Tests only.
 */
import type { BackupPlanRequest } from '../engine/backup-plan';
import { FAST_RETRY, gateSnapshots, type Harness, manualTimers } from './test-harness';
import type { Worker, WorkerOptions } from './worker';

export const LEASE_MS = 15_000;

/** app1 and sql1 snapshotted together on lun1, sql1 frozen around the snapshot. */
export const arrayBackup: BackupPlanRequest = {
  scope: { kind: 'array-volume', arrayVolumeId: 'lun1' },
  methodByVm: { app1: 'array-snapshot', sql1: 'array-snapshot' },
  consistencyPolicy: 'require',
  passthroughPolicy: 'skip',
};

/** Worker 'me' on the harness, its timers by hand and the errors it reports collected. */
export function manualWorker(h: Harness, options: Partial<WorkerOptions> = {}) {
  const manual = manualTimers();
  const errors: unknown[] = [];
  const worker = h.createWorker({
    workerId: 'me',
    leaseMs: LEASE_MS,
    retry: FAST_RETRY,
    timers: manual.timers,
    onError: (error) => errors.push(error),
    ...options,
  });
  return { worker, manual, errors };
}

/**
 * Ticks `worker` until its array snapshot is held at the gate; `inFlight` is the pass that runs it
 * (settled once the step is recorded), `snapshot.release()` lets the snapshot go on.
 */
export async function tickUntilSnapshotWaits(h: Harness, worker: Worker) {
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
  return { inFlight, snapshot };
}

/** The messages of the warnings logged that mention `about` (pino: `warn(details, message)`). */
export function warningsAbout(warn: { mock: { calls: unknown[][] } }, about: string): string[] {
  return warn.mock.calls.map((call) => String(call[1])).filter((message) => message.includes(about));
}
