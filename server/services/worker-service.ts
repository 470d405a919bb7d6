/**
 * Starts this process's background worker with the backup job scheduler attached: what the Next
 * server calls at start-up (instrumentation) and what `migawka worker` runs.
 */
import type { Db } from '../../db/client';
import { type ProcessDatabase, storesOf } from '../../db/process-database';
import { createServiceContext, SCHEDULER_ACTOR } from '../context';
import { startEventRelay as relayEvents } from '../jobs/events';
import { startRuntimeWorker, stopRuntime } from '../jobs/runtime';
import type { WorkerHandle, WorkerOptions } from '../jobs/worker';
import { runDueBackupJobs } from './backup-job-service';

export const SCHEDULER_INTERVAL_MS = 15_000;

type BackgroundOptions = Partial<Omit<WorkerOptions, 'stores' | 'driver'>>;

/** A SQLite handle (the web server's embedded database) or the process's configured database. */
function processDatabaseOf(database: Db | ProcessDatabase): ProcessDatabase {
  return 'kind' in database && ('db' in database || 'pg' in database)
    ? (database as ProcessDatabase)
    : { kind: 'sqlite', db: database as Db };
}

export function startBackgroundWorker(
  database: Db | ProcessDatabase,
  options: BackgroundOptions = {},
): WorkerHandle {
  const opened = processDatabaseOf(database);
  const stores = storesOf(opened);
  return startRuntimeWorker(opened, {
    scheduler: {
      intervalMs: SCHEDULER_INTERVAL_MS,
      // Scheduled runs are requested by the scheduler, at the worker's clock. Not awaited: planning
      // a run must not hold up the steps this pass claims.
      tick: (now) => {
        const ctx = createServiceContext({ actor: SCHEDULER_ACTOR, now: () => now });
        void runDueBackupJobs(stores, ctx).catch((error) =>
          ctx.log.error({ err: error }, 'scheduler tick failed'),
        );
      },
    },
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
export function startEventRelay(
  database: Db | ProcessDatabase,
  options: { intervalMs?: number } = {},
): () => void {
  return relayEvents(storesOf(processDatabaseOf(database)).operations, options);
}
