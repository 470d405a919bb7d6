import { describe } from 'vitest';
import { storeDialects } from './dialects';
import { runXapiPoolStoreContract } from './xapi-pool-store.contract';

describe.each(await storeDialects('xapipools'))('$name', (dialect) => {
  describe.skipIf(dialect.skip !== null)('stores', () => {
    runXapiPoolStoreContract(dialect.name, async () => {
      const handle = await dialect.open();
      return { xapiPools: handle.stores.xapiPools, close: handle.close };
    });
  });
});
