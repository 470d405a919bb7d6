import { describe } from 'vitest';
import { storeDialects } from './dialects';
import { runOperationStoreContract } from './operation-store.contract';

describe.each(await storeDialects('operations'))('$name', (dialect) => {
  describe.skipIf(dialect.skip !== null)('stores', () => {
    runOperationStoreContract(dialect.name, async () => {
      const handle = await dialect.open();
      return {
        operations: handle.stores.operations,
        inventory: handle.stores.inventory,
        close: handle.close,
      };
    });
  });
});
