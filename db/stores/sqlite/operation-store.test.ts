import { openDatabase, sqliteOf } from '../../client';
import { runOperationStoreContract } from '../contract/operation-store.contract';
import { createSqliteStores } from '.';

runOperationStoreContract('SQLite (in memory)', async () => {
  const db = openDatabase(':memory:');
  return {
    operations: createSqliteStores(db).operations,
    close: async () => {
      sqliteOf(db).close();
    },
  };
});
