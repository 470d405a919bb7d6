/**
 * The VM list asks the protection store for its page's VMs only, and that statement reads them by
 * key (docs/stores.md, "What the protection statuses read"): it walks none of vms, virtual_disks or
 * restore_point_job_vms from end to end, by index or not, on either dialect — a walk of every VM
 * filtered down to the page's 25 is the cost that grows with the estate. The protection page's
 * own list, which shows every VM by name, does walk vms: the check is seen to bite.
 *
 * Neither statement parses a 'vms'-scope job's list of VMs (scope.vmIds, a thousand ids a job on
 * the benchmark estate): both find the jobs' VMs by key in backup_job_vms, the read model triggers
 * on backup_jobs keep — by VM for the page's named VMs, by job for the whole estate. On SQLite
 * they read the jobs' scopes from an index on those expressions, not from request_json.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { storeDialects } from '../../../db/stores/contract/dialects';
import { captureStatements } from '../../test-plan-reads';
import { openDemoLabOn } from '../../test-rows';
import { signedIn } from '../../test-support';
import { createCaller } from '../root';

const dialects = await storeDialects('vm-list-index-use');

/** The tables a statement for named VMs must read by key only. */
const KEYED = ['vms', 'virtual_disks', 'restore_point_job_vms', 'backup_job_vms'] as const;

/** A job's list of VMs in its request, which the statement must not open: its JSON path or key. */
const JOB_VM_LIST = /\$\.scope\.vmIds|'vmIds'/;

type Caller = ReturnType<typeof createCaller>;

const CALLS: { name: string; call: (caller: Caller) => Promise<unknown>; walksVms: boolean }[] = [
  {
    name: 'vms.list first page (its VMs named)',
    call: (caller) => caller.vms.list({ limit: 25 }),
    walksVms: false,
  },
  {
    name: 'protection.vms first page (every VM by name)',
    call: (caller) => caller.protection.vms({ limit: 25 }),
    walksVms: true,
  },
];

describe.each(dialects)('$name', (dialect) => {
  describe.skipIf(dialect.skip !== null)('protection statuses of a page', () => {
    let lab: Awaited<ReturnType<typeof openDemoLabOn>>;
    beforeEach(async () => {
      lab = await openDemoLabOn(dialect);
    });
    afterEach(async () => {
      await lab.close();
    });

    /** The statements one call ran, and the one of them that computes job coverage (it runs once). */
    async function protectionStatementOf(call: (typeof CALLS)[number]['call']) {
      const capture = captureStatements(lab.database);
      try {
        await call(createCaller(signedIn(lab.database)));
      } finally {
        capture.stop();
      }
      const statements = capture.captured.filter((statement) => /\benabled_jobs\b/.test(statement.sql));
      expect(statements).toHaveLength(1);
      const [statement] = statements;
      if (!statement) throw new Error('the protection statement did not run');
      return { capture, statement };
    }

    it.each(CALLS)('$name: walks a keyed table from end to end is $walksVms', async ({ call, walksVms }) => {
      const { capture, statement } = await protectionStatementOf(call);
      const walks = await capture.walksOf(statement, KEYED);
      if (walksVms) expect(walks.length).toBeGreaterThan(0);
      else expect(walks).toEqual([]);
    });

    it.each(CALLS)(
      "$name: finds the 'vms'-scope jobs' VMs in the read model, never in the jobs' lists",
      async ({ call, walksVms }) => {
        const { capture, statement } = await protectionStatementOf(call);
        expect(statement.sql).not.toMatch(JOB_VM_LIST);
        expect(statement.sql).toMatch(/\bbackup_job_vms\b/);
        // Named VMs: one look-up of each in the read model. The whole estate may join it any way.
        if (!walksVms) expect(await capture.keyedReadsOf(statement, 'backup_job_vms')).not.toEqual([]);
      },
    );

    // SQLite keeps the scope's values in an index on expressions and reads them from it; a read of
    // the table itself would parse every enabled job's request_json on every call.
    it.skipIf(dialect.name !== 'SQLite').each(CALLS)(
      "$name: reads the enabled jobs' scopes from backup_jobs_scope_idx, never from request_json",
      async ({ call }) => {
        const { capture, statement } = await protectionStatementOf(call);
        const reads = await capture.keyedReadsOf(statement, 'backup_jobs');
        expect(reads.length).toBeGreaterThan(0);
        for (const read of reads) expect(read).toMatch(/USING COVERING INDEX backup_jobs_scope_idx /);
      },
    );
  });
});
