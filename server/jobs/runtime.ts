/**
 * Process-wide wiring of the embedded default: the driver registry with the lab connector rooted
 * at the data directory, and one worker (inside the Next server, or in `migawka worker`). Cached on globalThis so Next's dev
 * reloads never start a second worker against the same database. Settings come from
 * getConfig() (server/config.ts): MIGAWKA_LAB_*, MIGAWKA_WORKER_*, MIGAWKA_LIMIT_PER_*.
 */
import { driverLookupOf, type ProcessDatabase, storesOf } from '../../db/process-database';
import { getConfig } from '../config';
import { LabDriver } from '../drivers/lab/lab-driver';
import { type Connector, createDriverRegistry, type DriverRegistry } from '../drivers/registry';
import { XapiConnector } from '../drivers/xapi/xapi-connector';
import { XapiPoolSet, type XapiPoolSetOptions } from '../drivers/xapi/xapi-pool-set';
import { logger } from '../logger';
import { startWorker, type WorkerHandle, type WorkerOptions } from './worker';

interface Runtime {
  lab?: LabDriver;
  xapiPools?: XapiPoolSet;
  drivers?: DriverRegistry;
  worker?: WorkerHandle;
}

const holder = globalThis as typeof globalThis & { __migawkaRuntime?: Runtime };
function runtime(): Runtime {
  holder.__migawkaRuntime ??= {};
  return holder.__migawkaRuntime;
}

/**
 * The process's lab connector (config `lab`). It looks up only what each call touches (one VM,
 * its disks) with indexed queries, never the whole inventory. Its VM workloads only run in the
 * process that runs a worker (startRuntimeWorker turns them on, unless MIGAWKA_LAB_WORKLOADS=0),
 * so a web server that merely verifies points next to a `migawka worker` never writes VM disks.
 */
function getLab(database: ProcessDatabase): LabDriver {
  const state = runtime();
  const { lab } = getConfig();
  state.lab ??= new LabDriver({
    root: lab.dir,
    inventory: driverLookupOf(database),
    isWorkloadEnabled: false,
    stepDelayMs: lab.stepDelayMs,
    scriptTimeScale: lab.scriptTimeScale,
    repositoryQuotaBytes: lab.repositoryQuotaBytes,
  });
  return state.lab;
}

/**
 * The process's connected XAPI pools, created on first use with what only the services know (how
 * to build a pool's client from the vault, where a sync is written); later calls return the same set.
 */
export function getXapiPoolSet(options: XapiPoolSetOptions): XapiPoolSet {
  const state = runtime();
  state.xapiPools ??= new XapiPoolSet(options);
  return state.xapiPools;
}

/** The process's pool set, if something connected one. */
export function currentXapiPoolSet(): XapiPoolSet | undefined {
  return runtime().xapiPools;
}

/**
 * The process's driver registry: the connectors this installation has (the embedded lab, the
 * XAPI pools an admin connected, plus those the caller passes in — the worker service adds
 * Hyper-V, whose connections live in the store and the vault above this layer) and the backup
 * repository (the lab's). Hosts and arrays name their connector in the inventory.
 */
export function getDriverRegistry(
  database: ProcessDatabase,
  connectors: readonly Connector[] = [],
): DriverRegistry {
  const state = runtime();
  if (!state.drivers) {
    const lab = getLab(database);
    state.drivers = createDriverRegistry({
      lookup: driverLookupOf(database),
      connectors: [lab, new XapiConnector(() => runtime().xapiPools?.connected() ?? []), ...connectors],
      repository: lab.repository,
    });
  }
  return state.drivers;
}

/** Worker settings of this process's configuration. */
export function workerOptionsFromConfig(): Pick<
  WorkerOptions,
  'leaseMs' | 'pollMs' | 'concurrency' | 'limits' | 'serves'
> {
  const { worker, limits } = getConfig();
  return { ...worker, limits };
}

/** Starts this process's worker once (later calls return the same handle). */
export function startRuntimeWorker(
  database: ProcessDatabase,
  options: Partial<Omit<WorkerOptions, 'stores' | 'drivers'>> & { connectors?: readonly Connector[] } = {},
): WorkerHandle {
  const state = runtime();
  if (!state.worker) {
    const { connectors, ...workerOptions } = options;
    const drivers = getDriverRegistry(database, connectors);
    // Unless turned off (MIGAWKA_LAB_WORKLOADS=0: several worker processes on one lab).
    if (getConfig().lab.isWorkloadEnabled)
      getLab(database)
        .enableWorkloads()
        .catch((error: unknown) => logger.error({ err: error }, 'lab workloads did not start'));
    state.worker = startWorker({
      stores: storesOf(database),
      drivers,
      ...workerOptionsFromConfig(),
      ...workerOptions,
    });
  }
  return state.worker;
}

/** Nudges the in-process worker, if any (after an enqueue or cancel). */
export function wakeRuntimeWorker(): void {
  runtime().worker?.wake();
}

export async function stopRuntime(): Promise<void> {
  const state = runtime();
  await state.worker?.stop();
  await state.xapiPools?.stop();
  state.lab?.stop();
  holder.__migawkaRuntime = {};
}
