import { openDatabase, sqliteOf } from '../../client';
import { runXapiPoolStoreContract } from '../contract/xapi-pool-store.contract';
import { createSqliteStores } from '.';

runXapiPoolStoreContract('SQLite (in memory)', async () => {
  const db = openDatabase(':memory:');
  return {
    xapiPools: createSqliteStores(db).xapiPools,
    close: async () => {
      sqliteOf(db).close();
    },
  };
});
