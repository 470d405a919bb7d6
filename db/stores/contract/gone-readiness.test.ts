import { describe } from 'vitest';
import { storeDialects } from './dialects';
import { goneReadinessContract } from './gone-readiness.contract';

describe.each(await storeDialects('gonereadiness'))('$name', (dialect) => {
  describe.skipIf(dialect.skip !== null)('stores', () => {
    goneReadinessContract(dialect.name, async () => {
      const handle = await dialect.open();
      return { store: handle.stores.inventory, close: handle.close };
    });
  });
});
