import { openDatabase, sqliteOf } from '../../client';
import { runHypervConnectionStoreContract } from '../contract/hyperv-connection-store.contract';
import { createSqliteStores } from '.';

runHypervConnectionStoreContract('SQLite (in memory)', async () => {
  const db = openDatabase(':memory:');
  return {
    hypervConnections: createSqliteStores(db).hypervConnections,
    close: async () => {
      sqliteOf(db).close();
    },
  };
});
