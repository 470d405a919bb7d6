import { describe } from 'vitest';
import { storeDialects } from './dialects';
import { runRestorePointStoreContract } from './restore-point-store.contract';

describe.each(await storeDialects('restorepoints'))('$name', (dialect) => {
  describe.skipIf(dialect.skip !== null)('stores', () => {
    runRestorePointStoreContract(dialect.name, async () => {
      const handle = await dialect.open();
      return {
        restorePoints: handle.stores.restorePoints,
        operations: handle.stores.operations,
        inventory: handle.stores.inventory,
        close: handle.close,
      };
    });
  });
});
