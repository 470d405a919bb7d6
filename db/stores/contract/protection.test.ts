import { describe } from 'vitest';
import { storeDialects } from './dialects';
import { runProtectionStoreContract } from './protection.contract';

describe.each(await storeDialects('protection'))('$name', (dialect) => {
  describe.skipIf(dialect.skip !== null)('stores', () => {
    runProtectionStoreContract(dialect.name, async () => {
      const handle = await dialect.open();
      return { stores: handle.stores, close: handle.close };
    });
  });
});
