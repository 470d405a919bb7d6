import { describe } from 'vitest';
import { storeDialects } from './dialects';
import { runOperationStoreAdmissionContract } from './operation-store-admission.contract';

describe.each(await storeDialects('admission'))('$name', (dialect) => {
  describe.skipIf(dialect.skip !== null)('stores', () => {
    runOperationStoreAdmissionContract(dialect.name, async () => {
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
