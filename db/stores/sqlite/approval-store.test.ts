import { openDatabase, sqliteOf } from '../../client';
import { runApprovalStoreContract } from '../contract/approval-store.contract';
import { createSqliteStores } from '.';

runApprovalStoreContract('SQLite (in memory)', async () => {
  const db = openDatabase(':memory:');
  return {
    approvals: createSqliteStores(db).approvals,
    close: async () => {
      sqliteOf(db).close();
    },
  };
});
