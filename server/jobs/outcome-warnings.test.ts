/**
 * Outcomes that do not lie (issue 8 §1): a backup whose steps degraded, that left a disk out, or
 * that captured a VM below what its own method gives, ends `succeeded-with-warnings` with the
 * reasons in words, per step and on the operation. Every degradation is produced by the lab
 * driver through the real runner (worker tick()), never by writing statuses.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type StoreDialect, storeDialects } from '../../db/stores/contract/dialects';
import type { BackupPlanRequest } from '../engine/backup-plan';
import { rowsOf } from '../test-rows';
import { createHarness, type Harness } from './test-harness';

let h: Harness;
afterEach(async () => {
  await h.close();
});
const dialects = await storeDialects('outcomewarn');

const request = (vmIds: string[], extra: Partial<BackupPlanRequest> = {}): BackupPlanRequest => ({
  scope: { kind: 'vms', vmIds },
  consistencyPolicy: 'fallback',
  passthroughPolicy: 'skip',
  ...extra,
});

/** The steps of one operation in plan order, on either database. */
const stepsOf = async (operationId: string) =>
  (await rowsOf(h.database).all('operationSteps'))
    .filter((step) => step.operationId === operationId)
    .sort((a, b) => a.seq - b.seq);
const pointOf = async (operationId: string, vmId: string) =>
  (await rowsOf(h.database).all('restorePoints')).find(
    (point) => point.operationId === operationId && point.vmId === vmId,
  );

async function run(backup: BackupPlanRequest) {
  const op = await h.enqueueBackup(backup);
  const [done] = await h.tickUntilFinal(h.createWorker(), [op.id]);
  return done;
}

describe.each(dialects)('$name', (dialect: StoreDialect) => {
  describe.skipIf(dialect.skip !== null)('succeeded with warnings: each degradation, in words', () => {
    beforeEach(async () => {
      h = await createHarness({ dialect });
    });

    it('a clean backup still ends plainly succeeded, with no warnings', async () => {
      const done = await run(request(['sql1']));
      expect(done.status).toBe('succeeded');
      expect(done.warningsJson).toEqual([]);
      expect((await stepsOf(done.id)).every((step) => step.warning === null)).toBe(true);
      expect((await pointOf(done.id, 'sql1'))?.isPartial).toBe(false);
    });

    it('a pre-freeze script exiting non-zero under fallback: the script step is degraded and says so', async () => {
      const done = await run({
        scope: { kind: 'array-volume', arrayVolumeId: 'lun1' },
        methodByVm: { app1: 'array-snapshot', sql1: 'array-snapshot' },
        consistencyPolicy: 'fallback',
        passthroughPolicy: 'skip',
        scripts: { sql1: { preFreeze: { command: 'echo flushing && exit 3', timeoutSeconds: 5 } } },
      });
      expect(done.status).toBe('succeeded-with-warnings');
      const script = (await stepsOf(done.id)).find((step) => step.kind === 'pre-freeze-script');
      expect(script).toMatchObject({ status: 'degraded' });
      expect(script?.warning).toBe('fallback: pre-freeze script "echo flushing && exit 3" exited 3');
      expect(done.warningsJson).toEqual([
        'Run the pre-freeze script in sql1: fallback: pre-freeze script "echo flushing && exit 3" exited 3',
      ]);
      expect(await pointOf(done.id, 'sql1')).toMatchObject({ consistency: 'crash' });
    });

    it('a pass-through disk left out: the catalog step warns that the point is partial', async () => {
      const done = await run(request(['fs1']));
      expect(done.status).toBe('succeeded-with-warnings');
      const catalog = (await stepsOf(done.id)).find((step) => step.kind === 'catalog');
      expect(catalog?.status).toBe('succeeded');
      expect(catalog?.warning).toBe(
        "the point of 'fs1' leaves out pass-through disk 'fs1-pt', which Hyper-V VSS cannot capture: it is partial",
      );
      expect(done.warningsJson).toEqual([`Catalogue the restore point of fs1: ${catalog?.warning}`]);
      expect(await pointOf(done.id, 'fs1')).toMatchObject({ missingDisksJson: ['fs1-pt'], isPartial: true });
    });

    it('a co-captured VM gets less than its own method gives: warned, and its point says why', async () => {
      // app1 (off) asked with an array snapshot of lun1; sql1 runs SQL Server on the same LUN without
      // scripts, so it is captured crash-consistent where hyperv-vss alone would quiesce it.
      await h.close();
      h = await createHarness({
        dialect,
        inventory: (inventory) => ({
          ...inventory,
          vms: inventory.vms.map((vm) => (vm.id === 'sql1' ? { ...vm, hasFreezeScripts: false } : vm)),
        }),
      });
      const done = await run(request(['app1'], { methodByVm: { app1: 'array-snapshot' } }));
      expect(done.status).toBe('succeeded-with-warnings');
      expect(done.warningsJson).toEqual([
        "Catalogue the restore point of sql1: 'sql1' is captured crash-consistent by the array snapshot of its volume, where Hyper-V VSS on its own gives it application consistency",
      ]);
      const sql = await pointOf(done.id, 'sql1');
      expect(sql?.consistency).toBe('crash');
      expect(sql?.consistencyReason).toBe(
        "Co-captured, not asked for: it is on lun1, which the array snapshot taken for 'app1' captures whole; crash-consistent: it runs SQL Server without a pre-freeze script, so it was not frozen before the array snapshot",
      );
      // The VM that was asked for got what its plan said: its point needs no note.
      expect(await pointOf(done.id, 'app1')).toMatchObject({
        consistency: 'filesystem',
        consistencyReason: null,
      });
    });

    it("a VM asked for with its own method but captured by another VM's array snapshot: its point names both methods in words", async () => {
      const done = await run(request(['app1', 'sql1'], { methodByVm: { app1: 'array-snapshot' } }));
      expect(done.status).toMatch(/^succeeded/);
      expect((await pointOf(done.id, 'sql1'))?.consistencyReason).toMatch(
        /^Captured by the array snapshot taken for 'app1' \(it shares lun1\), not by Hyper-V VSS; /,
      );
    });

    it('a failed VM still makes the operation failed, whatever else warned', async () => {
      h.driver.faults.inject({ fault: 'repository-full', vmId: 'app1' });
      const op = await h.enqueueBackup(request(['fs1', 'app1']));
      const [done] = await h.tickUntilFinal(h.createWorker(), [op.id]);
      expect(done.status).toBe('failed');
      expect(done.warningsJson).toEqual([]);
    });
  });
});
