/**
 * A job's retention over its real runs, on both databases: a point that is not good (here one that
 * failed its verification) never takes a good point's place among the points the policy keeps.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { storeDialects } from '../../db/stores/contract/dialects';
import type { Harness } from '../jobs/test-harness';
import type { Worker } from '../jobs/worker';
import { nightlyJobInput } from '../test-support';
import { createBackupJob, runBackupJobNow, updateBackupJob } from './backup-job-service';
import { getOperation } from './operations-service';
import { browseRestorePoints } from './restore-point-browser-service';
import { retentionLossOfEdit } from './retention-change';
import { harnessPerTest, serviceRunHelpers } from './service-test-support';

let h: Harness;
let worker: Worker;
const { ctx } = serviceRunHelpers(() => ({ h, worker }));

const dialects = await storeDialects('jobretention');

describe.each(dialects)('$name', (dialect) => {
  describe.skipIf(dialect.skip !== null)('stores', () => {
    harnessPerTest(dialect, (harness, harnessWorker) => {
      h = harness;
      worker = harnessWorker;
    });

    it('keep last 2: a point that failed its verification does not push out the older good one', async () => {
      const job = await createBackupJob(
        h.stores,
        ctx(),
        nightlyJobInput('nightly app1', 'app1', {
          retention: { keepLast: 2, daily: 0, weekly: 0, monthly: 0 },
        }),
      );
      /** One run of the job, to its end; its point's id. */
      const runOnce = async () => {
        const started = await runBackupJobNow(h.stores, ctx(), job.id);
        await h.tickUntilFinal(worker, [started.operationId]);
        const plan = (await getOperation(h.stores, started.operationId)).operation.plan;
        return plan.kind === 'backup' ? plan.vms[0].restorePointId : '';
      };
      const good = await runOnce();
      const corrupt = await runOnce();
      await h.stores.restorePoints.recordVerification({
        pointId: corrupt,
        verdict: 'corrupt',
        details: { mismatches: ['disk-0: sha256 differs'], applicationState: null },
        now: h.clock.now(),
        requestedBy: 'user:1',
        operationId: null,
      });
      const newest = await runOnce();
      const kept = (await browseRestorePoints(h.stores, { jobId: job.id })).items.map((point) => point.id);
      // The two newest points, and the older good one the corrupt point would have pushed out.
      expect(kept.sort()).toEqual([good, corrupt, newest].sort());
      expect(existsSync(path.join(h.root, 'repository', good))).toBe(true);
    });

    // `deleted`: what the change costs (the next run deletes them under the new setting, not the old);
    // `goneAnyway`: what that run deletes under either setting (the oldest past the saved keep-last).
    it.each([
      { keptBefore: 3, keptAfter: 2, runsBefore: 2, deleted: 1, goneAnyway: 0 },
      { keptBefore: 3, keptAfter: 1, runsBefore: 2, deleted: 2, goneAnyway: 0 },
      { keptBefore: 3, keptAfter: 2, runsBefore: 1, deleted: 0, goneAnyway: 0 },
      { keptBefore: 2, keptAfter: 1, runsBefore: 3, deleted: 1, goneAnyway: 1 },
    ])(
      'keep last $keptBefore → $keptAfter after $runsBefore run(s): the loss named before saving is what the next run deletes',
      async ({ keptBefore, keptAfter, runsBefore, deleted, goneAnyway }) => {
        const input = nightlyJobInput('nightly app1', 'app1', {
          retention: { keepLast: keptBefore, daily: 0, weekly: 0, monthly: 0 },
        });
        const job = await createBackupJob(h.stores, ctx(), input);
        const runOnce = async () => {
          const started = await runBackupJobNow(h.stores, ctx(), job.id);
          await h.tickUntilFinal(worker, [started.operationId]);
        };
        for (let run = 0; run < runsBefore; run++) await runOnce();
        const pointIds = async () =>
          (await browseRestorePoints(h.stores, { jobId: job.id })).items.map((p) => p.id);
        const before = await pointIds();
        const edit = {
          id: job.id,
          job: { ...input, retention: { keepLast: keptAfter, daily: 0, weekly: 0, monthly: 0 } },
          loadedUpdatedAt: (await h.stores.jobs.get(job.id))?.updatedAt ?? job.updatedAt,
        };
        const loss = await retentionLossOfEdit(h.stores, edit, h.clock.now());
        expect(loss).toMatchObject({ count: deleted, isAtLeast: false });
        await updateBackupJob(h.stores, ctx(), edit);
        await runOnce();
        const after = new Set(await pointIds());
        const gone = before.filter((id) => !after.has(id));
        const lost = loss.points.map((point) => point.id);
        expect(gone).toEqual(expect.arrayContaining(lost));
        expect(gone).toHaveLength(deleted + goneAnyway);
        // What goes either way is the oldest: the change's loss is everything newer that went.
        expect(before.filter((id) => gone.includes(id) && !lost.includes(id))).toEqual(
          before.slice(before.length - goneAnyway),
        );
      },
    );
  });
});
