import { openDatabase, sqliteOf } from '../../client';
import { inventoryStoreContract } from '../contract/inventory.contract';
import { createSqliteInventoryStore } from './inventory';
import { writeInventory } from './inventory-rows';

inventoryStoreContract('SQLite', async (inventory) => {
  const db = openDatabase(':memory:');
  sqliteOf(db).transaction(() => writeInventory(db, inventory, 'insert'))();
  return createSqliteInventoryStore(db);
});
