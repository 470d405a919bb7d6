/**
 * Starts this process's background worker with the backup job scheduler attached: what the Next
 * server calls at start-up (instrumentation) and what `migawka worker` runs.
 */
import {
  asProcessDatabase,
  type DatabaseHandle,
  isPrivateDatabase,
  storesOf,
} from '../../db/process-database';
import { createServiceContext, SCHEDULER_ACTOR } from '../context';
import { vaultKeysOf } from '../database-keys';
import { createStoredEqualLogicConnector } from '../drivers/equallogic/eql-array';
import { createStoredHypervConnector } from '../drivers/hyperv/hyperv-connector';
import { createStoredOntapConnector } from '../drivers/ontap/ontap-connector';
import { startEventRelay as relayEvents } from '../jobs/events';
import { startRuntimeWorker, stopRuntime } from '../jobs/runtime';
import type { WorkerHandle, WorkerOptions } from '../jobs/worker';
import { storedOntapClusters } from './array-connection-service';
import { reassessIfEngineChanged } from './assessment-service';
import { storedEqualLogicGroups } from './equallogic-connection-service';
import { storedHypervHosts } from './hyperv-connection-service';
import { createHypervSyncSchedule } from './hyperv-sync-schedule';
import { runDueBackupJobs } from './scheduled-runs';
import { connectXapiPools, refreshXapiPools } from './xapi-connection-service';

export const SCHEDULER_INTERVAL_MS = 15_000;

type BackgroundOptions = Partial<Omit<WorkerOptions, 'stores' | 'driver'>>;

export function startBackgroundWorker(
  database: DatabaseHandle,
  options: BackgroundOptions = {},
): WorkerHandle {
  const opened = asProcessDatabase(database);
  const stores = storesOf(opened);
  const keys = vaultKeysOf(opened);
  // The worker's process watches the connected XAPI pools (their clients serve the worker's steps);
  // an in-memory test database has none.
  if (!isPrivateDatabase(opened)) {
    void connectXapiPools(stores, keys, { watch: true }).catch((error: unknown) =>
      createServiceContext().log.error({ err: error }, 'xapi pools did not connect'),
    );
  }
  // Verdicts stored by an older engine (an upgrade changed a rule) are replaced as the worker starts,
  // not left until each VM's facts next change. Not awaited: the worker serves steps meanwhile.
  const startup = createServiceContext();
  void reassessIfEngineChanged(stores, startup)
    .then((summary) => {
      if (summary)
        startup.log.info(
          summary,
          'estate re-assessed: the assessment engine changed since it was last assessed',
        );
    })
    .catch((error: unknown) => startup.log.error({ err: error }, 'the estate was not re-assessed'));
  const syncDueHypervHosts = createHypervSyncSchedule(stores, keys);
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
        // Hyper-V hosts whose last sync is older than the interval (recorded on each connection).
        void syncDueHypervHosts(ctx).catch((error) =>
          ctx.log.error({ err: error }, 'scheduled hyperv syncs did not run'),
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

// On globalThis, as the runtime: Next loads instrumentation in a module instance of its own.
const relays = globalThis as typeof globalThis & { __migawkaEventRelayStops?: (() => void)[] };

/** Stops the worker and the event relay of this process (graceful shutdown, tests). */
export async function stopBackgroundWorker(): Promise<void> {
  for (const stop of relays.__migawkaEventRelayStops?.splice(0) ?? []) stop();
  await stopRuntime();
}

/**
 * For a web server that leaves the work to separate `migawka worker` processes (MIGAWKA_WORKER=0),
 * or shares a PostgreSQL database with other nodes: relay the events they write onto this process's
 * bus, so live SSE streams keep working. Returns stop() (stopBackgroundWorker stops it too).
 */
export function startEventRelay(database: DatabaseHandle, options: { intervalMs?: number } = {}): () => void {
  const stop = relayEvents(storesOf(database).operations, options);
  relays.__migawkaEventRelayStops ??= [];
  relays.__migawkaEventRelayStops.push(stop);
  return stop;
}
