import { describe } from 'vitest';
import { storeDialects } from './dialects';
import { runSecretStoreContract } from './secret-store.contract';

describe.each(await storeDialects('secrets'))('$name', (dialect) => {
  describe.skipIf(dialect.skip !== null)('stores', () => {
    runSecretStoreContract(dialect.name, async () => {
      const handle = await dialect.open();
      return { secrets: handle.stores.secrets, close: handle.close };
    });
  });
});
