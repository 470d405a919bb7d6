import { afterAll, describe } from 'vitest';
import type { Inventory } from '../../../server/engine/inventory';
import { sqliteOf } from '../../client';
import { createPgDriverLookup } from '../postgres/driver-lookup';
import { writeInventory as writePgInventory } from '../postgres/inventory-rows';
import { createSqliteDriverLookup } from '../sqlite/driver-lookup';
import { writeInventory as writeSqliteInventory } from '../sqlite/inventory-rows';
import { connectorHostsContract } from './connector-hosts.contract';
import { type DialectHandle, storeDialects } from './dialects';
import { driverLookupContract } from './driver-lookup.contract';
import { inventoryStoreContract } from './inventory.contract';

const opened: DialectHandle[] = [];
afterAll(async () => {
  for (const handle of opened.splice(0)) await handle.close();
});

/** A store holding `inventory`, written as an import writes it. */
async function seeded(dialect: Awaited<ReturnType<typeof storeDialects>>[number], inventory: Inventory) {
  const handle = await dialect.open();
  opened.push(handle);
  if (handle.dialect === 'sqlite') {
    sqliteOf(handle.db).transaction(() => writeSqliteInventory(handle.db, inventory, 'insert'))();
  } else {
    await handle.pg.db.transaction((tx) => writePgInventory(tx, inventory, 'insert'));
  }
  return handle;
}

describe.each(await storeDialects('inventory'))('$name', (dialect) => {
  describe.skipIf(dialect.skip !== null)('stores', () => {
    inventoryStoreContract(
      dialect.name,
      async (inventory) => (await seeded(dialect, inventory)).stores.inventory,
    );
    connectorHostsContract(
      dialect.name,
      async (inventory) => (await seeded(dialect, inventory)).stores.inventory,
    );
    driverLookupContract(dialect.name, async (inventory) => {
      const handle = await seeded(dialect, inventory);
      return handle.dialect === 'sqlite'
        ? createSqliteDriverLookup(handle.db)
        : createPgDriverLookup(handle.pg.db);
    });
  });
});
