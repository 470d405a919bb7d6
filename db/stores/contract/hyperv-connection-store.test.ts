import { describe } from 'vitest';
import { storeDialects } from './dialects';
import { runHypervConnectionStoreContract } from './hyperv-connection-store.contract';

describe.each(await storeDialects('hypervconnections'))('$name', (dialect) => {
  describe.skipIf(dialect.skip !== null)('stores', () => {
    runHypervConnectionStoreContract(dialect.name, async () => {
      const handle = await dialect.open();
      return { hypervConnections: handle.stores.hypervConnections, close: handle.close };
    });
  });
});
