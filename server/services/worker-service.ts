/**
 * Starts this process's background worker with the backup job scheduler attached: what the Next
 * server calls at start-up (instrumentation) and what `migawka worker` runs.
 */
import type { Db } from '../../db/client';
import { startRuntimeWorker, stopRuntime } from '../jobs/runtime';
import type { WorkerHandle, WorkerOptions } from '../jobs/worker';
import { runDueBackupJobs } from './backup-job-service';

export const SCHEDULER_INTERVAL_MS = 15_000;

export function startBackgroundWorker(db: Db, options: Partial<WorkerOptions> = {}): WorkerHandle {
  return startRuntimeWorker(db, {
    scheduler: { intervalMs: SCHEDULER_INTERVAL_MS, tick: (now) => void runDueBackupJobs(db, now) },
    ...options,
  });
}

export async function stopBackgroundWorker(): Promise<void> {
  await stopRuntime();
}

/**
 * For a web server that leaves the work to a separate `migawka worker` (MIGAWKA_WORKER=0): relay
 * the events that process writes onto this process's bus, so live SSE streams keep working.
 */
export { startEventRelay } from '../jobs/events';
