/**
 * Shared set-up for runner, worker and service tests: an in-memory database holding the lab test
 * inventory, the lab connector in a temporary directory behind a driver registry (no step latency, fast script sleeps) and
 * helpers to plan, enqueue and run operations. Runner tests drive a `createWorker()` with
 * `tickUntil` / `tickUntilFinal`: explicit passes under the harness clock, which only moves when a
 * test (or a pass of those helpers) advances it. `startWorker` runs the timer-driven worker as the
 * server does (hung-driver.test.ts drives its timers with fake ones); `waitForFinal` polls the
 * database on the wall clock, and is only for operations run by another process, which no test
 * can tick (crash-recovery.test.ts kills real worker processes).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Db, openDatabase, sqliteOf } from '../../db/client';
import type { ProcessDatabase } from '../../db/process-database';
import type { StoreDialect } from '../../db/stores/contract/dialects';
import { writeInventory } from '../../db/stores/inventory-store';
import type { Stores } from '../../db/stores/ports';
import type { OperationRecord } from '../../db/stores/ports/operation-store';
import { writeInventory as writePgInventory } from '../../db/stores/postgres/inventory-rows';
import { createSqliteStores } from '../../db/stores/sqlite';
import { LabDriver, type LabOptions, labInventoryFromIndex } from '../drivers/lab/lab-driver';
import { labTestInventory } from '../drivers/lab/lab-fixture';
import { connectorLookupFromInventory, createDriverRegistry, type DriverRegistry } from '../drivers/registry';
import type { HypervisorDriver } from '../drivers/roles';
import { type BackupPlanRequest, planBackup } from '../engine/backup-plan';
import { type Inventory, type InventoryIndex, indexInventory } from '../engine/inventory';
import { isFinalOperationStatus } from '../engine/statuses';
import type { WorkerTimers } from './busy-retry';
import { createWorker, startWorker, type Worker, type WorkerHandle, type WorkerOptions } from './worker';

/** Time under the test's control: it moves only when `advance` is called. */
export interface TestClock {
  now(): Date;
  advance(ms: number): Date;
}

export interface TickOptions {
  /** Passes before giving up with the statuses seen (default 200). */
  maxPasses?: number;
  /** Clock advance after each pass that did not reach the goal (ms, default 1000: past any test retry delay). */
  advanceMs?: number;
}

export interface Harness {
  /** The SQLite database, for tests that read rows the ports do not expose; null on PostgreSQL. */
  db: Db | null;
  /** SQLite tests only: the database (throws on PostgreSQL). */
  sqlite(): Db;
  /** Which database the stores run on. */
  dialect: 'SQLite' | 'PostgreSQL';
  /** The database as the server holds it: what `signedIn()` / `contextFor()` take, on either dialect. */
  database: ProcessDatabase;
  stores: Stores;
  root: string;
  index: InventoryIndex;
  /** The lab connector (fault injection, live disk files, workloads). */
  driver: LabDriver;
  /** The registry the worker resolves drivers from: the lab for every host and array. */
  drivers: DriverRegistry;
  /**
   * A registry like `drivers` whose hosts all answer through `hypervisor` (a lab hypervisor with a
   * fault a test injects: a refused snapshot, a VM that does not start, a call that hangs); the
   * lab still serves the arrays and the repository.
   */
  driversWithHypervisor(hypervisor: HypervisorDriver): DriverRegistry;
  newId: () => string;
  /** The clock of `createWorker` workers and the default enqueue time; starts 2026-03-01T10:00Z. */
  clock: TestClock;
  /** Plans against the harness's inventory, or `inventory` (one a test synced in since). */
  enqueueBackup(
    request: BackupPlanRequest,
    options?: { now?: Date; inventory?: Inventory },
  ): Promise<OperationRecord>;
  startWorker(options?: Partial<WorkerOptions>): WorkerHandle;
  /** A worker driven by explicit `tick()` calls under the harness clock. */
  createWorker(options?: Partial<WorkerOptions>): Worker;
  /**
   * Calls `worker.tick()` until `isDone()` holds after a pass, advancing the clock between passes;
   * throws after `maxPasses`. Never sleeps: every pass waits only for the steps it ran.
   */
  tickUntil(worker: Worker, isDone: () => boolean | Promise<boolean>, options?: TickOptions): Promise<void>;
  /** `tickUntil` every operation is final; returns their records in the order asked. */
  tickUntilFinal(worker: Worker, operationIds: string[], options?: TickOptions): Promise<OperationRecord[]>;
  /** Polls until final: only for operations another process runs (a real, killable worker). */
  waitForFinal(operationIds: string[], timeoutMs?: number): Promise<OperationRecord[]>;
  close(): Promise<void>;
}

export const FAST_RETRY = { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 20 };

/** The harness's database: its stores, and how to close it. */
async function openStores(
  options: { dbFile?: string; dialect?: StoreDialect },
  inventory: Inventory,
): Promise<{ db: Db | null; database: ProcessDatabase; stores: Stores; close(): Promise<void> }> {
  if (options.dialect && options.dialect.name === 'PostgreSQL') {
    const handle = await options.dialect.open({ maxConnections: 8 });
    if (handle.dialect !== 'postgres') throw new Error('expected a PostgreSQL handle');
    await handle.pg.db.transaction((tx) => writePgInventory(tx, inventory, 'insert'));
    return {
      db: null,
      database: { kind: 'postgres', pg: handle.pg },
      stores: handle.stores,
      close: handle.close,
    };
  }
  const db = openDatabase(options.dbFile ?? ':memory:');
  writeInventory(db, inventory, 'insert');
  return {
    db,
    database: { kind: 'sqlite', db },
    stores: createSqliteStores(db),
    close: async () => {
      sqliteOf(db).close();
    },
  };
}

export async function createHarness(
  options: {
    /** Which database (default SQLite; `dialects.ts` gives PostgreSQL). */
    dialect?: StoreDialect;
    dbFile?: string;
    driver?: Partial<LabOptions>;
    /** Changes the lab test inventory before it is stored and handed to the lab (a VM without scripts…). */
    inventory?: (inventory: Inventory) => Inventory;
  } = {},
): Promise<Harness> {
  const root = mkdtempSync(path.join(tmpdir(), 'migawka-run-'));
  const inventory = (options.inventory ?? ((same) => same))(labTestInventory());
  const database = await openStores(options, inventory);
  const { db, stores } = database;
  const index = indexInventory(inventory);
  const driver = new LabDriver({
    root,
    inventory: labInventoryFromIndex(index),
    scriptTimeScale: 0.001,
    workload: { intervalMs: 5, dataLagMs: 20 },
    ...options.driver,
  });
  const drivers = createDriverRegistry({
    lookup: connectorLookupFromInventory(inventory),
    connectors: [driver],
    repository: driver.repository,
  });
  let counter = 0;
  const newId = () => `t${++counter}`;
  const workers: WorkerHandle[] = [];
  let now = new Date('2026-03-01T10:00:00Z');
  const clock: TestClock = {
    now: () => now,
    advance(ms) {
      now = new Date(now.getTime() + ms);
      return now;
    },
  };
  async function statusLine(operationIds: string[]): Promise<string> {
    const statuses = await stores.operations.statusesOf(operationIds);
    return operationIds.map((id) => `${id}=${statuses.get(id) ?? 'missing'}`).join(', ');
  }
  async function areFinal(operationIds: string[]): Promise<boolean> {
    const statuses = await stores.operations.statusesOf(operationIds);
    return operationIds.every((id) => {
      const status = statuses.get(id);
      return status !== undefined && isFinalOperationStatus(status);
    });
  }
  async function tickUntil(
    worker: Worker,
    isDone: () => boolean | Promise<boolean>,
    { maxPasses = 200, advanceMs = 1000 }: TickOptions = {},
  ): Promise<boolean> {
    for (let pass = 0; pass < maxPasses; pass++) {
      await worker.tick();
      if (await isDone()) return true;
      clock.advance(advanceMs);
    }
    return false;
  }
  return {
    db,
    sqlite() {
      if (!db) throw new Error('this test reads SQLite rows: it runs on SQLite only');
      return db;
    },
    dialect: db ? 'SQLite' : 'PostgreSQL',
    database: database.database,
    stores,
    root,
    index,
    driver,
    drivers,
    driversWithHypervisor: (hypervisor) =>
      createDriverRegistry({
        lookup: connectorLookupFromInventory(inventory),
        connectors: [{ name: driver.name, hypervisor: () => hypervisor, array: () => driver.array() }],
        repository: driver.repository,
      }),
    newId,
    clock,
    async enqueueBackup(request, enqueueOptions = {}) {
      const at = enqueueOptions.now ?? clock.now();
      const planned = enqueueOptions.inventory ? indexInventory(enqueueOptions.inventory) : index;
      const plan = planBackup(planned, request, { now: at, newId });
      return stores.operations.enqueue(plan, request as unknown as Record<string, unknown>, {
        id: `op-${newId()}`,
        now: at,
        requestedBy: 'system',
      });
    },
    startWorker(workerOptions = {}) {
      const worker = startWorker({
        stores,
        drivers,
        pollMs: 5,
        leaseMs: 2000,
        retry: FAST_RETRY,
        ...workerOptions,
      });
      workers.push(worker);
      return worker;
    },
    createWorker(workerOptions = {}) {
      return createWorker({
        stores,
        drivers,
        workerId: 'test-worker',
        clock: clock.now,
        leaseMs: 2000,
        retry: FAST_RETRY,
        ...workerOptions,
      });
    },
    async tickUntil(worker, isDone, tickOptions) {
      if (!(await tickUntil(worker, isDone, tickOptions))) throw new Error('condition never held');
    },
    async tickUntilFinal(worker, operationIds, tickOptions) {
      if (!(await tickUntil(worker, () => areFinal(operationIds), tickOptions))) {
        throw new Error(`operations not final: ${await statusLine(operationIds)}`);
      }
      return Promise.all(
        operationIds.map(async (id) => (await stores.operations.get(id)) as OperationRecord),
      );
    },
    async waitForFinal(operationIds, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const statuses = await stores.operations.statusesOf(operationIds);
        const rows = [...statuses].map(([id, status]) => ({ id, status }));
        if (rows.length === operationIds.length && rows.every((row) => isFinalOperationStatus(row.status))) {
          return Promise.all(
            operationIds.map(async (id) => (await stores.operations.get(id)) as OperationRecord),
          );
        }
        if (Date.now() > deadline) {
          throw new Error(`operations not final: ${rows.map((row) => `${row.id}=${row.status}`).join(', ')}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    async close() {
      for (const worker of workers) await worker.stop();
      driver.stop();
      await database.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** Holds every LUN snapshot call until `release()`; `entered` resolves when one is waiting. */
export function gateSnapshots(harness: Harness) {
  const array = harness.driver.array();
  const original = array.createSnapshot.bind(array);
  let release!: () => void;
  let entered!: () => void;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const isEntered = new Promise<void>((resolve) => {
    entered = resolve;
  });
  array.createSnapshot = async (request, options) => {
    entered();
    await gate;
    return original(request, options);
  };
  return { entered: isEntered, release };
}

export interface Pause {
  ms: number;
  resume: () => void;
}

/** The worker's timers, by hand: `beat()` is one lease-renewal tick, `nextPause()` the next retry wait. */
export function manualTimers() {
  const beats = new Set<() => void>();
  const pauses: Pause[] = [];
  let onPause: (() => void) | null = null;
  const timers: WorkerTimers = {
    every(_intervalMs, run) {
      beats.add(run);
      return () => beats.delete(run);
    },
    wait: (ms) =>
      new Promise<void>((resume) => {
        pauses.push({ ms, resume });
        onPause?.();
      }),
  };
  return {
    timers,
    beat: () => {
      for (const run of beats) run();
    },
    pending: () => pauses.length,
    nextPause(): Promise<Pause> {
      const queued = pauses.shift();
      if (queued) return Promise.resolve(queued);
      return new Promise((resolve) => {
        onPause = () => {
          onPause = null;
          resolve(pauses.shift() as Pause);
        };
      });
    },
  };
}
