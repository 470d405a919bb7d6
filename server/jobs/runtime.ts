/**
 * Process-wide wiring of the embedded default: one lab driver rooted at the data directory, and
 * one worker (inside the Next server, or in `migawka worker`). Cached on globalThis so Next's dev
 * reloads never start a second worker against the same database.
 *
 * Environment:
 *   MIGAWKA_LAB_DIR                 lab root (default: $MIGAWKA_DATA_DIR/lab, i.e. ./data/lab)
 *   MIGAWKA_LAB_STEP_DELAY_MS       latency added to every driver call (demo: 1500–3000)
 *   MIGAWKA_LAB_SCRIPT_TIME_SCALE   multiplier of guest script sleeps (1 = real seconds)
 *   MIGAWKA_LAB_REPOSITORY_QUOTA_BYTES  repository capacity (unset = unbounded)
 *   MIGAWKA_WORKER_LEASE_MS, MIGAWKA_WORKER_POLL_MS, MIGAWKA_WORKER_CONCURRENCY
 *   MIGAWKA_LIMIT_PER_HOST, MIGAWKA_LIMIT_PER_ARRAY  admission limits (default 2 each)
 */
import path from 'node:path';
import type { Db } from '../../db/client';
import { loadInventory } from '../../db/stores/inventory-store';
import { LabDriver, labOptionsFromEnv } from '../drivers/lab/lab-driver';
import { type AdmissionLimits, DEFAULT_ADMISSION_LIMITS } from '../engine/admission';
import { type InventoryIndex, indexInventory } from '../engine/inventory';
import { startWorker, type WorkerHandle, type WorkerOptions } from './worker';

export function labRootFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  return env.MIGAWKA_LAB_DIR ?? path.join(env.MIGAWKA_DATA_DIR ?? './data', 'lab');
}

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
 * VM workloads only run in the process that runs a worker (startRuntimeWorker turns them on), so
 * a web server that merely verifies points next to a `migawka worker` never writes VM disks.
 */
export function getDriver(db: Db): LabDriver {
  const state = runtime();
  state.driver ??= new LabDriver({
    root: labRootFromEnv(),
    inventory: createInventoryProvider(db),
    isWorkloadEnabled: false,
    ...labOptionsFromEnv(),
  });
  return state.driver;
}

function positiveInt(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`${name} must be a whole number ≥ 1, got "${raw}"`);
  return value;
}

export function workerOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): Partial<WorkerOptions> {
  const limits: AdmissionLimits = {
    perHost: positiveInt(env, 'MIGAWKA_LIMIT_PER_HOST') ?? DEFAULT_ADMISSION_LIMITS.perHost,
    perArray: positiveInt(env, 'MIGAWKA_LIMIT_PER_ARRAY') ?? DEFAULT_ADMISSION_LIMITS.perArray,
  };
  return {
    leaseMs: positiveInt(env, 'MIGAWKA_WORKER_LEASE_MS'),
    pollMs: positiveInt(env, 'MIGAWKA_WORKER_POLL_MS'),
    concurrency: positiveInt(env, 'MIGAWKA_WORKER_CONCURRENCY'),
    limits,
  };
}

/** Starts this process's worker once (later calls return the same handle). */
export function startRuntimeWorker(db: Db, options: Partial<WorkerOptions> = {}): WorkerHandle {
  const state = runtime();
  if (!state.worker) {
    const fromEnv = Object.fromEntries(
      Object.entries(workerOptionsFromEnv()).filter(([, value]) => value !== undefined),
    ) as Partial<WorkerOptions>;
    const driver = getDriver(db);
    driver.enableWorkloads();
    state.worker = startWorker({ db, driver, ...fromEnv, ...options });
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
