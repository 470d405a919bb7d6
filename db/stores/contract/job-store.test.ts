import { describe } from 'vitest';
import { storeDialects } from './dialects';
import { runJobStoreContract } from './job-store.contract';

describe.each(await storeDialects('jobs'))('$name', (dialect) => {
  describe.skipIf(dialect.skip !== null)('stores', () => {
    runJobStoreContract(dialect.name, async () => {
      const handle = await dialect.open();
      return { jobs: handle.stores.jobs, operations: handle.stores.operations, close: handle.close };
    });
  });
});
