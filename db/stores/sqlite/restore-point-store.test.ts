import { openDatabase, sqliteOf } from '../../client';
import { runRestorePointStoreContract } from '../contract/restore-point-store.contract';
import { createSqliteStores } from '.';

runRestorePointStoreContract('SQLite (in memory)', async () => {
  const db = openDatabase(':memory:');
  const stores = createSqliteStores(db);
  return {
    restorePoints: stores.restorePoints,
    operations: stores.operations,
    close: async () => {
      sqliteOf(db).close();
    },
  };
});
