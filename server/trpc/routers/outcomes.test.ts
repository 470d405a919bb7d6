/**
 * Succeeded with warnings, as the console reads it (issue 8 §1): the operations list, the job's
 * last run, the operation detail, the protection overview's "needs attention" and its activity
 * chart all say the run was short of its plan, and why, in words. The runs are real: the lab
 * leaves fs1's pass-through disk out, driven by the worker's tick().
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { storeDialects } from '../../../db/stores/contract/dialects';
import { createHarness, type Harness } from '../../jobs/test-harness';
import { signedIn } from '../../test-support';
import { createCaller } from '../root';

let h: Harness;
let caller: ReturnType<typeof createCaller>;

const LEFT_OUT =
  "Catalogue the restore point of fs1: the point of 'fs1' leaves out pass-through disk 'fs1-pt', which Hyper-V VSS cannot capture: it is partial";

async function runJob(name: string, vmId: string) {
  const job = await caller.jobs.create({
    name,
    request: {
      scope: { kind: 'vms', vmIds: [vmId] },
      consistencyPolicy: 'fallback',
      passthroughPolicy: 'skip',
    },
    schedule: null,
    missedRunPolicy: 'skip',
    retention: { keepLast: 3, daily: 0, weekly: 0, monthly: 0 },
    rpoHours: 24,
    isEnabled: true,
  });
  const started = await caller.jobs.runNow({ id: job.id });
  await h.tickUntilFinal(h.createWorker(), [started.operationId]);
  return { job, operationId: started.operationId };
}

const dialects = await storeDialects('routeroutcomes');

describe.each(dialects)('$name', (dialect) => {
  describe.skipIf(dialect.skip !== null)('stores', () => {
    beforeEach(async () => {
      h = await createHarness({ dialect });
      caller = createCaller(signedIn(h.database, 'admin', { now: h.clock.now }));
    });
    afterEach(async () => {
      await h.close();
    });

    describe('a run that succeeded with warnings, everywhere it is shown', () => {
      it('the list, the detail, the job and the protection overview say so and why', async () => {
        const { job, operationId } = await runJob('fs nightly', 'fs1');

        const [listed] = (await caller.operations.list({ jobId: job.id })).items;
        expect(listed).toMatchObject({
          id: operationId,
          status: 'succeeded-with-warnings',
          warnings: [LEFT_OUT],
        });
        const filtered = await caller.operations.list({ status: ['succeeded-with-warnings'] });
        expect(filtered.items.map((item) => item.id)).toEqual([operationId]);

        const detail = await caller.operations.get({ id: operationId });
        expect(detail.operation.warnings).toEqual([LEFT_OUT]);
        expect(detail.steps.find((step) => step.kind === 'catalog')?.warning).toContain("'fs1-pt'");

        expect((await caller.jobs.get({ id: job.id })).lastOperation).toMatchObject({
          id: operationId,
          status: 'succeeded-with-warnings',
          warnings: [LEFT_OUT],
        });

        const attention = (await caller.protection.attention()).runs;
        expect(attention).toEqual([
          expect.objectContaining({ operationId, status: 'succeeded-with-warnings', warnings: [LEFT_OUT] }),
        ]);
        const today = (await caller.protection.activity()).days.at(-1);
        expect(today?.backupsByResult).toMatchObject({ succeeded: 0, warned: 1 });
      });

      it("a job's warned run leaves 'needs attention' once a newer run of the job speaks for it", async () => {
        const clean = await runJob('sql nightly', 'sql1');
        expect((await caller.operations.get({ id: clean.operationId })).operation.status).toBe('succeeded');
        const warned = await runJob('fs nightly', 'fs1');
        expect((await caller.protection.attention()).runs.map((run) => run.operationId)).toEqual([
          warned.operationId,
        ]);
        h.clock.advance(60_000);
        const next = await caller.jobs.runNow({ id: warned.job.id });
        await h.tickUntilFinal(h.createWorker(), [next.operationId]);
        // The newer run warns the same way: it, not the older one, needs attention.
        expect((await caller.protection.attention()).runs.map((run) => run.operationId)).toEqual([
          next.operationId,
        ]);
      });
    });
  });
});
