import { describe } from 'vitest';
import { storeDialects } from './dialects';
import { runOperationStoreQueueContract } from './operation-store-queue.contract';

describe.each(await storeDialects('queue'))('$name', (dialect) => {
  describe.skipIf(dialect.skip !== null)('stores', () => {
    runOperationStoreQueueContract(dialect.name, async () => {
      const handle = await dialect.open();
      return {
        operations: handle.stores.operations,
        inventory: handle.stores.inventory,
        restorePoints: handle.stores.restorePoints,
        close: handle.close,
      };
    });
  });
});
