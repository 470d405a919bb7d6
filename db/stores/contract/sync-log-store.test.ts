/**
 * The sync log over both stores: each sync one record, a connection's listed newest first and
 * keyset-paged (ties on the start time broken by id), others' never mixed in, removed with the
 * connection.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SyncRunRecord } from '../ports/sync-log-store';
import { type DialectHandle, storeDialects } from './dialects';

const T0 = Date.parse('2026-11-24T02:00:00Z');
const MINUTE = 60_000;

function run(
  id: string,
  connectionId: string,
  minute: number,
  over: Partial<SyncRunRecord> = {},
): SyncRunRecord {
  return {
    id,
    connector: 'hyperv',
    connectionId,
    startedAt: new Date(T0 + minute * MINUTE),
    finishedAt: new Date(T0 + minute * MINUTE + 5_000),
    outcome: 'succeeded',
    added: 0,
    changed: 0,
    gone: 0,
    unknownFacts: 0,
    warnings: null,
    error: null,
    ...over,
  };
}

describe.each(await storeDialects('synclog'))('$name', (dialect) => {
  describe.skipIf(dialect.skip !== null)('sync log', () => {
    let handle: DialectHandle;
    beforeEach(async () => {
      handle = await dialect.open();
    });
    afterEach(async () => {
      await handle.close();
    });

    it('keeps every field of a record as written', async () => {
      const failed = run('s1', 'c1', 0, {
        outcome: 'failed',
        error: 'auth-failed: the host refused the account',
      });
      const warned = run('s2', 'c1', 1, {
        connector: 'xapi',
        outcome: 'succeeded-with-warnings',
        added: 3,
        changed: 2,
        gone: 1,
        unknownFacts: 4,
        warnings: 'web01: no guest credential',
      });
      await handle.stores.syncLog.record(failed);
      await handle.stores.syncLog.record(warned);
      expect((await handle.stores.syncLog.list('c1', { limit: 10 })).items).toEqual([warned, failed]);
    });

    const PAGES: [string, number, string[][]][] = [
      ['one page holds them all', 10, [['s5', 's4', 's3b', 's3a', 's1']]],
      ['pages of two, ties on the start broken by id', 2, [['s5', 's4'], ['s3b', 's3a'], ['s1']]],
      ['pages of one', 1, [['s5'], ['s4'], ['s3b'], ['s3a'], ['s1']]],
    ];
    it.each(PAGES)('lists a connection newest first: %s', async (_what, limit, expected) => {
      for (const [id, minute] of [
        ['s1', 1],
        ['s3a', 3],
        ['s3b', 3],
        ['s4', 4],
        ['s5', 5],
      ] as const)
        await handle.stores.syncLog.record(run(id, 'c1', minute));
      await handle.stores.syncLog.record(run('other', 'c2', 2));
      const pages: string[][] = [];
      let cursor: string | undefined;
      do {
        const page = await handle.stores.syncLog.list('c1', { limit, cursor });
        pages.push(page.items.map((item) => item.id));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      expect(pages).toEqual(expected);
    });

    it("forgets a removed connection's syncs, and only its", async () => {
      await handle.stores.syncLog.record(run('a', 'c1', 0));
      await handle.stores.syncLog.record(run('b', 'c1', 1));
      await handle.stores.syncLog.record(run('c', 'c2', 0));
      expect(await handle.stores.syncLog.deleteForConnection('c1')).toBe(2);
      expect((await handle.stores.syncLog.list('c1', { limit: 10 })).items).toEqual([]);
      expect((await handle.stores.syncLog.list('c2', { limit: 10 })).items.map((item) => item.id)).toEqual([
        'c',
      ]);
    });
  });
});
