/**
 * The VM list sorted by power state reads vms_power_rank_id_idx in order, on both dialects, on its
 * first page and on a page after a cursor: the sort's key (a state not read after every state
 * read, db/power-state-order.ts) is the index's expression, so a page of 25 does not rank and sort
 * every VM of the estate. Should the query's expression and the index's ever differ, this fails.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { storeDialects } from '../../../db/stores/contract/dialects';
import { captureStatements } from '../../test-plan-reads';
import { openDemoLabOn } from '../../test-rows';
import { signedIn } from '../../test-support';
import { createCaller } from '../root';

const dialects = await storeDialects('vm-power-sort-index');

describe.each(dialects)('$name', (dialect) => {
  describe.skipIf(dialect.skip !== null)('the VM list sorted by power state', () => {
    let lab: Awaited<ReturnType<typeof openDemoLabOn>>;
    beforeEach(async () => {
      lab = await openDemoLabOn(dialect);
    });
    afterEach(async () => {
      await lab.close();
    });

    it.each(['asc', 'desc'] as const)(
      'reads its power-rank index, %s, first page and after a cursor',
      async (direction) => {
        const caller = createCaller(signedIn(lab.database));
        const first = await caller.vms.list({ sort: 'powerState', direction, limit: 5 });
        expect(first.nextCursor).not.toBeNull();
        const capture = captureStatements(lab.database);
        try {
          await caller.vms.list({ sort: 'powerState', direction, limit: 5 });
          await caller.vms.list({
            sort: 'powerState',
            direction,
            limit: 5,
            cursor: first.nextCursor ?? undefined,
          });
        } finally {
          capture.stop();
        }
        const pages = capture.captured.filter((statement) => /order by \(case when/i.test(statement.sql));
        expect(pages).toHaveLength(2);
        for (const page of pages) expect(await capture.indexesOf(page)).toContain('vms_power_rank_id_idx');
      },
    );
  });
});
