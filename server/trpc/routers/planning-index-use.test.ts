/**
 * The planning paths read the neighbourhood of what they plan, never the estate (DESIGN.md, "plans
 * made once"; docs/BENCHMARKS.md, previews and starts): every statement that backups.review,
 * backups.start, restores.preview and restores.start run for one VM is captured on the demo lab and
 * explained, and none may read a whole table. On SQLite a `SCAN <table>` without an index is a
 * whole-table read; on PostgreSQL, with sequential scans priced out (`enable_seqscan = off`), a
 * `Seq Scan` is left only where no index can serve the condition. A small lab plans the same way
 * on 20 VMs as on 20,000, so a statement that reads every row here is one that reads every row
 * there too: the bench only measures that, this names the statement.
 */

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_LAB_NAMES } from '../../../db/seed/demo-lab';
import { storeDialects } from '../../../db/stores/contract/dialects';
import type { BackupRequestInput } from '../../schemas/operations';
import { captureStatements, READS } from '../../test-plan-reads';
import { openDemoLabOn, rowsOf, type TestRows } from '../../test-rows';
import { signedIn } from '../../test-support';
import { createCaller } from '../root';

const dialects = await storeDialects('planning-index-use');

/**
 * Tables of configuration an admin enters row by row, which a plan may read whole: they grow with
 * the connections added, not with the estate. The hosts' WSB target state is read from every
 * Hyper-V connection (db/stores/wsb-targets.ts), as the driver finds a cluster node's connection.
 */
const CONFIGURATION = /\bhyperv_connections\b/;

function requestFor(vmId: string): BackupRequestInput {
  return { scope: { kind: 'vms', vmIds: [vmId] }, consistencyPolicy: 'fallback', passthroughPolicy: 'skip' };
}

describe.each(dialects)('$name', (dialect) => {
  describe.skipIf(dialect.skip !== null)('planning paths', () => {
    let lab: Awaited<ReturnType<typeof openDemoLabOn>>;
    let rows: TestRows;
    beforeEach(async () => {
      lab = await openDemoLabOn(dialect);
      rows = rowsOf(lab.database);
    });
    afterEach(async () => {
      await lab.close();
    });

    /** The statements `calls` ran that read a whole table, each with the plan lines that say so. */
    async function wholeTableReadsOf(calls: () => Promise<unknown>): Promise<string[]> {
      const capture = captureStatements(lab.database);
      try {
        await calls();
      } finally {
        capture.stop();
      }
      const reads = capture.captured.filter((statement) => READS.test(statement.sql));
      expect(reads.length).toBeGreaterThan(10);
      const found: string[] = [];
      for (const statement of reads) {
        const lines = (await capture.wholeTableReads(statement)).filter((line) => !CONFIGURATION.test(line));
        if (lines.length > 0) found.push(`${lines.join(', ')}: ${statement.sql.replace(/\s+/g, ' ')}`);
      }
      return [...new Set(found)];
    }

    const volumeScope = { kind: 'host-volume' as const, hostVolumeId: DEMO_LAB_NAMES.wsbVolumeId };

    it('a one-VM backup review and its start, and a volume review, read no whole table', async () => {
      const caller = createCaller(signedIn(lab.database));
      const found = await wholeTableReadsOf(async () => {
        const review = await caller.backups.review(requestFor('vm-sql-prod-01'));
        const started = await caller.backups.start({
          request: requestFor('vm-sql-prod-01'),
          acknowledgedWarnings: review.warningKeys,
          fingerprint: review.fingerprint,
        });
        expect(started.operationId).toMatch(/^op-/);
        // A volume's scope reads its VMs' neighbourhood the same way.
        await caller.backups.review({ ...requestFor('vm-sql-prod-01'), scope: volumeScope });
      });
      expect(found).toEqual([]);
    });

    it('a restore preview and start (as new, by VM and by volume point) read no whole table', async () => {
      const caller = createCaller(signedIn(lab.database));
      const base = {
        vmName: 'sql-prod-01',
        captureState: 'online' as const,
        consistency: 'application' as const,
        missingDisksJson: [],
        sizeBytes: 1024,
        createdAt: new Date('2026-11-01T02:00:00Z'),
      };
      await rows.insert('restorePoints', [
        {
          ...base,
          id: 'rp-index-vm',
          vmId: 'vm-sql-prod-01',
          hostId: 'host-hv-prod-01',
          method: 'hyperv-vss',
          heldDisksJson: ['vm-sql-prod-01-os'],
          repositoryPath: 'points/index-vm',
        },
        {
          ...base,
          id: 'rp-index-volume',
          vmId: 'vm-branch-fs-01',
          vmName: 'branch-fs-01',
          hostId: 'host-hv-branch-01',
          method: 'wsb-volume',
          hostVolumeId: DEMO_LAB_NAMES.wsbVolumeId,
          snapshotId: 'snap-index',
          heldDisksJson: [],
          repositoryPath: 'points/index-volume',
        },
      ]);
      let started = 0;
      const found = await wholeTableReadsOf(async () => {
        for (const restorePointId of ['rp-index-vm', 'rp-index-volume']) {
          const request = {
            restorePointId,
            mode: 'as-new' as const,
            newVmName: `restored-${restorePointId}`,
          };
          const preview = await caller.restores.preview(request);
          if (!preview.isRunnable) continue;
          await caller.restores.start({ request, fingerprint: preview.fingerprint });
          started += 1;
        }
      });
      expect(found).toEqual([]);
      expect(started).toBeGreaterThan(0);
    });
  });
});
