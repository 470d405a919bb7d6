import { describe } from 'vitest';
import { storeDialects } from './dialects';
import { rawSqlOf } from './raw-sql';
import { runRunsNeedingAttentionContract } from './runs-needing-attention.contract';

describe.each(await storeDialects('runsneedingattention'))('$name', (dialect) => {
  describe.skipIf(dialect.skip !== null)('stores', () => {
    runRunsNeedingAttentionContract(dialect.name, async () => {
      const handle = await dialect.open();
      return { stores: handle.stores, sql: rawSqlOf(handle), close: handle.close };
    });
  });
});
