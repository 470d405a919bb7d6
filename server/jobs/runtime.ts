/**
 * Process-wide wiring of the embedded default: one lab driver rooted at the data directory, and
 * one worker (inside the Next server, or in `migawka worker`). Cached on globalThis so Next's dev
 * reloads never start a second worker against the same database. Settings come from
 * getConfig() (server/config.ts): MIGAWKA_LAB_*, MIGAWKA_WORKER_*, MIGAWKA_LIMIT_PER_*.
 */
import type { Db } from '../../db/client';
import { loadInventory } from '../../db/stores/inventory-store';
import { createSqliteStores } from '../../db/stores/sqlite';
import { getConfig } from '../config';
import { LabDriver } from '../drivers/lab/lab-driver';
import { type InventoryIndex, indexInventory } from '../engine/inventory';
import { startWorker, type WorkerHandle, type WorkerOptions } from './worker';

/**
 * The inventory as the driver sees it, reloaded at most every `ttlMs`: a driver call must not
 * reload 20,000 VMs, and an import shows up in the lab within seconds.
 */
export function createInventoryProvider(db: Db, ttlMs = 2000): () => InventoryIndex {
  let cached: { index: InventoryIndex; at: number } | null = null;
  return () => {
    const now = Date.now();
    if (!cached || now - cached.at > ttlMs) cached = { index: indexInventory(loadInventory(db)), at: now };
    return cached.index;
  };
}

interface Runtime {
  driver?: LabDriver;
  worker?: WorkerHandle;
}

const holder = globalThis as typeof globalThis & { __migawkaRuntime?: Runtime };
function runtime(): Runtime {
  holder.__migawkaRuntime ??= {};
  return holder.__migawkaRuntime;
}

/**
 * The process's driver (the lab driver; real connectors will be chosen here per host). The lab's
 * VM workloads only run in the process that runs a worker (startRuntimeWorker turns them on).
 */
export function getDriver(db: Db): LabDriver {
  const state = runtime();
  const { lab } = getConfig();
  state.driver ??= new LabDriver({
    root: lab.dir,
    inventory: createInventoryProvider(db),
    isWorkloadEnabled: false,
    stepDelayMs: lab.stepDelayMs,
    scriptTimeScale: lab.scriptTimeScale,
    repositoryQuotaBytes: lab.repositoryQuotaBytes,
  });
  return state.driver;
}

/** Worker settings of this process's configuration. */
export function workerOptionsFromConfig(): Pick<
  WorkerOptions,
  'leaseMs' | 'pollMs' | 'concurrency' | 'limits'
> {
  const { worker, limits } = getConfig();
  return { ...worker, limits };
}

/** Starts this process's worker once (later calls return the same handle). */
export function startRuntimeWorker(
  db: Db,
  options: Partial<Omit<WorkerOptions, 'stores' | 'driver'>> = {},
): WorkerHandle {
  const state = runtime();
  if (!state.worker) {
    const driver = getDriver(db);
    driver.enableWorkloads();
    state.worker = startWorker({
      stores: createSqliteStores(db),
      driver,
      ...workerOptionsFromConfig(),
      ...options,
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
  state.driver?.stop();
  holder.__migawkaRuntime = {};
}
