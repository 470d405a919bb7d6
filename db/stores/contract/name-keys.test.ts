import { describe } from 'vitest';
import { storeDialects } from './dialects';
import { runNameKeysContract } from './name-keys.contract';

describe.each(await storeDialects('namekeys'))('$name', (dialect) => {
  describe.skipIf(dialect.skip !== null)('stores', () => {
    runNameKeysContract(dialect.name, async () => {
      const handle = await dialect.open();
      return { stores: handle.stores, close: handle.close };
    });
  });
});
