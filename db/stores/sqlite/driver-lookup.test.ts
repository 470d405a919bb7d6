import { afterEach } from 'vitest';
import { openDatabase, sqliteOf } from '../../client';
import { driverLookupContract } from '../contract/driver-lookup.contract';
import { writeInventory } from '../inventory-store';
import { createSqliteDriverLookup } from './driver-lookup';

const opened: ReturnType<typeof openDatabase>[] = [];
afterEach(() => {
  for (const db of opened.splice(0)) sqliteOf(db).close();
});

driverLookupContract('sqlite', async (inventory) => {
  const db = openDatabase(':memory:');
  opened.push(db);
  writeInventory(db, inventory, 'insert');
  return createSqliteDriverLookup(db);
});
