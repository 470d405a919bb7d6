/**
 * Transitional: the synchronous row functions for code that still holds a `Db` (the runner's
 * services and jobs, seeds). Services use `Stores.inventory` (ports/inventory.ts) instead.
 */
export {
  clearInventory,
  countInventory,
  INVENTORY_TABLES,
  type InventoryCounts,
  isInventoryEmpty,
  loadInventory,
  rowWriter,
  type WriteMode,
  writeInventory,
} from './sqlite/inventory-rows';
