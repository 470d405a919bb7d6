import { describe } from 'vitest';
import { storeDialects } from './dialects';
import { runOperationStoreContract } from './operation-store.contract';
import { runCompleteAndClaimContract } from './operation-store-chain.contract';
import { runOperationStoreLifecycleContract } from './operation-store-lifecycle.contract';

describe.each(await storeDialects('operations'))('$name', (dialect) => {
  describe.skipIf(dialect.skip !== null)('stores', () => {
    const open = async () => {
      const handle = await dialect.open();
      return {
        operations: handle.stores.operations,
        inventory: handle.stores.inventory,
        restorePoints: handle.stores.restorePoints,
        close: handle.close,
      };
    };
    runOperationStoreContract(dialect.name, open);
    runCompleteAndClaimContract(dialect.name, open);
    runOperationStoreLifecycleContract(dialect.name, open);
  });
});
