import { describe } from 'vitest';
import { storeDialects } from './dialects';
import { runWsbTargetContract } from './wsb-target.contract';

describe.each(await storeDialects('wsbtarget'))('$name', (dialect) => {
  describe.skipIf(dialect.skip !== null)('stores', () => {
    runWsbTargetContract(dialect.name, async () => {
      const handle = await dialect.open();
      return { stores: handle.stores, close: handle.close };
    });
  });
});
