import { openDatabase, sqliteOf } from '../../client';
import { runSecretStoreContract } from '../contract/secret-store.contract';
import { createSqliteStores } from '.';

runSecretStoreContract('SQLite (in memory)', async () => {
  const db = openDatabase(':memory:');
  return {
    secrets: createSqliteStores(db).secrets,
    close: async () => {
      sqliteOf(db).close();
    },
  };
});
