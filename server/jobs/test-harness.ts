/**
 * Shared set-up for runner, worker and service tests: an in-memory database holding the lab test
 * inventory, the lab connector in a temporary directory behind a driver registry (no step latency, fast script sleeps) and
 * helpers to plan, enqueue and wait for operations.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Db, openDatabase, sqliteOf } from '../../db/client';
import { writeInventory } from '../../db/stores/inventory-store';
import type { Stores } from '../../db/stores/ports';
import type { OperationRecord } from '../../db/stores/ports/operation-store';
import { createSqliteStores } from '../../db/stores/sqlite';
import { LabDriver, type LabOptions, labInventoryFromIndex } from '../drivers/lab/lab-driver';
import { labTestInventory } from '../drivers/lab/lab-fixture';
import { connectorLookupFromInventory, createDriverRegistry, type DriverRegistry } from '../drivers/registry';
import { type BackupRequestInput, planBackup } from '../engine/backup-plan';
import { type InventoryIndex, indexInventory } from '../engine/inventory';
import { isFinalOperationStatus } from '../engine/statuses';
import { startWorker, type WorkerHandle, type WorkerOptions } from './worker';

export interface Harness {
  db: Db;
  stores: Stores;
  root: string;
  index: InventoryIndex;
  /** The lab connector (fault injection, live disk files, workloads). */
  driver: LabDriver;
  /** The registry the worker resolves drivers from: the lab for every host and array. */
  drivers: DriverRegistry;
  newId: () => string;
  enqueueBackup(request: BackupRequestInput, options?: { now?: Date }): Promise<OperationRecord>;
  startWorker(options?: Partial<WorkerOptions>): WorkerHandle;
  waitForFinal(operationIds: string[], timeoutMs?: number): Promise<OperationRecord[]>;
  close(): Promise<void>;
}

export const FAST_RETRY = { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 20 };

export function createHarness(options: { dbFile?: string; driver?: Partial<LabOptions> } = {}): Harness {
  const root = mkdtempSync(path.join(tmpdir(), 'migawka-run-'));
  const db = openDatabase(options.dbFile ?? ':memory:');
  const stores = createSqliteStores(db);
  const inventory = labTestInventory();
  writeInventory(db, inventory, 'insert');
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
  return {
    db,
    stores,
    root,
    index,
    driver,
    drivers,
    newId,
    async enqueueBackup(request, enqueueOptions = {}) {
      const now = enqueueOptions.now ?? new Date();
      const plan = planBackup(index, request, { now, newId });
      return stores.operations.enqueue(plan, request as unknown as Record<string, unknown>, {
        id: `op-${newId()}`,
        now,
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
      sqliteOf(db).close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}
