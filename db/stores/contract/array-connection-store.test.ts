import { describe } from 'vitest';
import { runArrayConnectionStoreContract } from './array-connection-store.contract';
import { storeDialects } from './dialects';

describe.each(await storeDialects('arrayconnections'))('$name', (dialect) => {
  describe.skipIf(dialect.skip !== null)('stores', () => {
    runArrayConnectionStoreContract(dialect.name, async () => {
      const handle = await dialect.open();
      return { arrayConnections: handle.stores.arrayConnections, close: handle.close };
    });
  });
});
