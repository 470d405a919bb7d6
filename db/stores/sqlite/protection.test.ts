import { openDatabase, sqliteOf } from '../../client';
import { runProtectionStoreContract } from '../contract/protection.contract';
import { createSqliteStores } from '.';

runProtectionStoreContract('SQLite (in memory)', async () => {
  const db = openDatabase(':memory:');
  return {
    stores: createSqliteStores(db),
    close: async () => {
      sqliteOf(db).close();
    },
  };
});
