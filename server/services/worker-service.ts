/**
 * Starts this process's background worker with the backup job scheduler attached: what the Next
 * server calls at start-up (instrumentation) and what `migawka worker` runs.
 */
import { type Db, sqliteOf } from '../../db/client';
import { type ProcessDatabase, storesOf } from '../../db/process-database';
import { getConfig } from '../config';
import { createServiceContext, SCHEDULER_ACTOR } from '../context';
import { createStoredEqualLogicConnector } from '../drivers/equallogic/eql-array';
import { createStoredHypervConnector } from '../drivers/hyperv/hyperv-connector';
import { createStoredOntapConnector } from '../drivers/ontap/ontap-connector';
import { startEventRelay as relayEvents } from '../jobs/events';
import { startRuntimeWorker, stopRuntime } from '../jobs/runtime';
import type { WorkerHandle, WorkerOptions } from '../jobs/worker';
import { storedOntapClusters } from './array-connection-service';
import { runDueBackupJobs } from './backup-job-service';
import { storedEqualLogicGroups } from './equallogic-connection-service';
import { storedHypervHosts } from './hyperv-connection-service';
import { memoryKeySource, type VaultKeySource, vaultKeySourceFor } from './vault-key';
import { connectXapiPools, refreshXapiPools } from './xapi-connection-service';

export const SCHEDULER_INTERVAL_MS = 15_000;

type BackgroundOptions = Partial<Omit<WorkerOptions, 'stores' | 'driver'>>;

/** A SQLite handle (the web server's embedded database) or the process's configured database. */
function processDatabaseOf(database: Db | ProcessDatabase): ProcessDatabase {
  return 'kind' in database && ('db' in database || 'pg' in database)
    ? (database as ProcessDatabase)
    : { kind: 'sqlite', db: database as Db };
}

/**
 * The vault key of the process's database: an in-memory SQLite database (tests) has its own, a
 * file keeps it beside itself (or MIGAWKA_SECRET_KEY); on PostgreSQL it is the configured key or
 * the key file of the configured data directory, as for `migawka secrets`.
 */
function vaultKeysOf(database: ProcessDatabase): VaultKeySource {
  const { secrets, dbPath } = getConfig();
  if (database.kind === 'postgres') return vaultKeySourceFor(secrets, dbPath);
  const connection = sqliteOf(database.db);
  return connection.memory ? memoryKeySource() : vaultKeySourceFor(secrets, connection.name);
}

export function startBackgroundWorker(
  database: Db | ProcessDatabase,
  options: BackgroundOptions = {},
): WorkerHandle {
  const opened = processDatabaseOf(database);
  const stores = storesOf(opened);
  const keys = vaultKeysOf(opened);
  // The worker's process watches the connected XAPI pools (their clients serve the worker's steps);
  // an in-memory test database has none.
  if (!(opened.kind === 'sqlite' && sqliteOf(opened.db).memory)) {
    void connectXapiPools(stores, keys, { watch: true }).catch((error: unknown) =>
      createServiceContext().log.error({ err: error }, 'xapi pools did not connect'),
    );
  }
  return startRuntimeWorker(opened, {
    // Hyper-V hosts an admin connected: each resolved from its connection and vault secrets on first use.
    // ONTAP clusters and EqualLogic groups likewise: the connection whose discovery wrote the array serves its steps.
    connectors: [
      createStoredHypervConnector(storedHypervHosts(stores, createServiceContext(), keys)),
      createStoredOntapConnector(storedOntapClusters(stores, createServiceContext(), keys)),
      createStoredEqualLogicConnector(storedEqualLogicGroups(stores, createServiceContext(), keys)),
    ],
    scheduler: {
      intervalMs: SCHEDULER_INTERVAL_MS,
      // Scheduled runs are requested by the scheduler, at the worker's clock. Not awaited: planning
      // a run must not hold up the steps this pass claims.
      tick: (now) => {
        const ctx = createServiceContext({ actor: SCHEDULER_ACTOR, now: () => now });
        void runDueBackupJobs(stores, ctx).catch((error) =>
          ctx.log.error({ err: error }, 'scheduler tick failed'),
        );
        // A pool added or removed through another process's console.
        void refreshXapiPools(stores).catch((error) =>
          ctx.log.error({ err: error }, 'xapi pools did not refresh'),
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
