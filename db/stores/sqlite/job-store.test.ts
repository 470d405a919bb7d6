import { openDatabase, sqliteOf } from '../../client';
import { runJobStoreContract } from '../contract/job-store.contract';
import { createSqliteStores } from '.';

runJobStoreContract('SQLite (in memory)', async () => {
  const db = openDatabase(':memory:');
  const stores = createSqliteStores(db);
  return {
    jobs: stores.jobs,
    operations: stores.operations,
    close: async () => {
      sqliteOf(db).close();
    },
  };
});
