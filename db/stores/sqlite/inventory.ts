/** InventoryStore on SQLite: better-sqlite3 is synchronous, so each method resolves at once. */
import type { Db } from '../../client';
import type { InventoryStore } from '../ports/inventory';
import { findVmsByName, loadNeighbourhood } from './inventory-neighbourhood';
import { countInventory, isInventoryEmpty, loadInventory } from './inventory-rows';

export function createSqliteInventoryStore(db: Db): InventoryStore {
  return {
    loadInventory: async () => loadInventory(db),
    loadNeighbourhood: async (vmIds, also) => loadNeighbourhood(db, vmIds, also),
    findVmsByName: async (names) => findVmsByName(db, names),
    countInventory: async () => countInventory(db),
    isEmpty: async () => isInventoryEmpty(db),
  };
}
