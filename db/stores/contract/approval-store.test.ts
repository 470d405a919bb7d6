import { describe } from 'vitest';
import { runApprovalStoreContract } from './approval-store.contract';
import { storeDialects } from './dialects';

describe.each(await storeDialects('approvals'))('$name', (dialect) => {
  describe.skipIf(dialect.skip !== null)('stores', () => {
    runApprovalStoreContract(dialect.name, async () => {
      const handle = await dialect.open();
      return { approvals: handle.stores.approvals, close: handle.close };
    });
  });
});
