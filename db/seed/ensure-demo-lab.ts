/**
 * First-start seeding: an empty inventory gets the demo lab, so a fresh console has something
 * real to show. MIGAWKA_SEED_DEMO=0 (the configuration's `seedDemo`) starts empty (production, or
 * tests that seed their own).
 */
import { randomUUID } from 'node:crypto';
import { getConfig, type MigawkaConfig } from '../../server/config';
import { actorLabel, SYSTEM_ACTOR } from '../../server/context';
import { evaluateInventory } from '../../server/engine/evaluate';
import type { Inventory } from '../../server/engine/inventory';
import { parseInventory } from '../../server/schemas/inventory';
import { type Db, sqliteOf } from '../client';
import { type ProcessDatabase, storesOf } from '../process-database';
import type { Stores } from '../stores/ports';
import type { InventoryImportRequest } from '../stores/ports/inventory';
import { importInventoryRows } from '../stores/sqlite/inventory';
import { isInventoryEmpty } from '../stores/sqlite/inventory-rows';
import { demoLabInventory } from './demo-lab';

/** Thrown inside the import's transaction when another process (or an earlier start) seeded first. */
class AlreadySeeded extends Error {}

/**
 * The demo lab's import, refused (nothing written) when the inventory it is checked against already
 * has a host. On PostgreSQL that check runs under the inventory writer's lock, so web nodes starting
 * together seed once; SQLite checks under its own immediate transaction (ensureDemoLab).
 */
function demoLabImport(): InventoryImportRequest {
  return {
    mode: 'merge',
    validate: (stored: Inventory | null) => {
      if (stored && stored.hosts.length > 0) throw new AlreadySeeded();
      const parsed = parseInventory({ formatVersion: 1, ...demoLabInventory() });
      if (!parsed.ok)
        throw new Error(`The demo lab is not a valid inventory: ${parsed.fieldErrors[0]?.path}`);
      return parsed.inventory;
    },
    assess: evaluateInventory,
    record: { id: randomUUID(), createdAt: new Date(), requestedBy: actorLabel(SYSTEM_ACTOR) },
  };
}

/**
 * Imports the demo lab into an empty SQLite inventory, synchronously (tests open a demo lab in
 * one line); says whether it did.
 */
export function ensureDemoLab(db: Db, { seedDemo }: Pick<MigawkaConfig, 'seedDemo'> = getConfig()): boolean {
  if (!seedDemo) return false;
  // Checked and seeded under one write lock (the import nests as a savepoint): two processes seed once.
  const seedIfEmpty = sqliteOf(db).transaction(() => {
    if (!isInventoryEmpty(db)) return false;
    importInventoryRows(db, demoLabImport());
    return true;
  });
  return seedIfEmpty.immediate();
}

/** The same through the store ports, on either database (the server's start); says whether it seeded. */
export async function ensureDemoLabIn(
  stores: Pick<Stores, 'inventory'>,
  { seedDemo }: Pick<MigawkaConfig, 'seedDemo'> = getConfig(),
): Promise<boolean> {
  // The cheap check first: a large estate is never loaded just to find it is not empty.
  if (!seedDemo || !(await stores.inventory.isEmpty())) return false;
  try {
    await stores.inventory.importInventory(demoLabImport());
    return true;
  } catch (error) {
    if (error instanceof AlreadySeeded) return false;
    throw error;
  }
}

/** The server's start: the demo lab into the process database's empty inventory, on either dialect. */
export function ensureDemoLabOnStart(database: ProcessDatabase): Promise<boolean> {
  return database.kind === 'sqlite'
    ? Promise.resolve(ensureDemoLab(database.db))
    : ensureDemoLabIn(storesOf(database));
}
