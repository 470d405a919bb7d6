/**
 * Workers placed near their hosts (`migawka worker --hosts/--arrays`), on both databases: a worker
 * takes only operations whose every host and array it serves; an operation no live worker serves
 * waits, saying which host nobody serves, and starts as soon as a worker serving it announces
 * itself; a worker that stopped (retired) or went silent (its announcement expired) serves nothing.
 * Driven by explicit passes under the harness clock.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { storeDialects } from '../../db/stores/contract/dialects';
import type { BackupPlanRequest } from '../engine/backup-plan';
import { createHarness, type Harness } from './test-harness';

const dialects = await storeDialects('placement');
const LEASE_MS = 2000;

/** sql1 lives on Hyper-V host hv1, web1 on XenServer host xs1 (server/drivers/lab/lab-fixture.ts). */
const backupOf = (vmIds: string[]): BackupPlanRequest => ({
  scope: { kind: 'vms', vmIds },
  consistencyPolicy: 'fallback',
  passthroughPolicy: 'skip',
});

describe.each(dialects)('$name', (dialect) => {
  describe.skipIf(dialect.skip !== null)('worker placement', () => {
    let h: Harness;
    afterEach(async () => {
      await h.close();
    });

    async function statusOf(operationId: string) {
      const operation = await h.stores.operations.get(operationId);
      return { status: operation?.status, waitingReason: operation?.waitingReason ?? null };
    }

    it('a worker placed on hv1 runs hv1 work; xs1 work waits naming xs1 until a worker serving xs1 arrives', async () => {
      h = await createHarness({ dialect });
      const nearHv1 = h.createWorker({ workerId: 'near-hv1', serves: { hostIds: ['hv1'], arrayIds: null } });
      const onHv1 = await h.enqueueBackup(backupOf(['sql1']));
      const onXs1 = await h.enqueueBackup(backupOf(['web1']));

      await h.tickUntilFinal(nearHv1, [onHv1.id]);
      expect((await statusOf(onHv1.id)).status).toBe('succeeded');
      expect(await statusOf(onXs1.id)).toEqual({
        status: 'waiting',
        waitingReason: 'no worker serves host xs1',
      });
      const waited = await h.stores.operations.readEventsAfter({ operationId: onXs1.id });
      expect(waited.find((event) => event.type === 'operation.waiting')?.payload).toEqual({
        reason: 'no worker serves host xs1',
        reasons: ['no worker serves host xs1'],
      });
      expect((await h.stores.operations.liveWorkers(h.clock.now())).map((worker) => worker)).toEqual([
        { workerId: 'near-hv1', hostIds: ['hv1'], arrayIds: null },
      ]);

      const nearXs1 = h.createWorker({ workerId: 'near-xs1', serves: { hostIds: ['xs1'], arrayIds: null } });
      await nearXs1.tick(); // announces itself; admission (in this claim) now sees a worker for xs1
      await h.tickUntilFinal(nearXs1, [onXs1.id]);
      expect((await statusOf(onXs1.id)).status).toBe('succeeded');
      const started = (await h.stores.operations.readEventsAfter({ operationId: onXs1.id })).filter(
        (event) => event.type === 'step.started',
      );
      expect(started.length).toBeGreaterThan(0);
    });

    it('a worker never claims steps of an operation outside its hosts, even one already running', async () => {
      h = await createHarness({ dialect });
      const anywhere = h.createWorker({ workerId: 'anywhere' });
      const nearHv1 = h.createWorker({ workerId: 'near-hv1', serves: { hostIds: ['hv1'], arrayIds: null } });
      const onXs1 = await h.enqueueBackup(backupOf(['web1']));
      await anywhere.tick(); // announces, admits and runs the first step of the xs1 backup
      expect((await statusOf(onXs1.id)).status).toBe('running');
      // Past the lease: the unplaced worker is gone; the hv1 worker recovers the run but never claims it.
      h.clock.advance(3 * LEASE_MS);
      for (let pass = 0; pass < 5; pass++) {
        await nearHv1.tick();
        h.clock.advance(LEASE_MS);
      }
      const steps = await h.stores.operations.steps(onXs1.id);
      expect(steps.some((step) => step.status === 'running')).toBe(false);
      expect((await statusOf(onXs1.id)).status).toBe('running');
      await h.tickUntilFinal(anywhere, [onXs1.id]);
      expect((await statusOf(onXs1.id)).status).toBe('succeeded');
    });

    it('an operation on two hosts waits for one worker that serves both; a silent worker stops counting', async () => {
      h = await createHarness({ dialect });
      const nearHv1 = h.createWorker({ workerId: 'near-hv1', serves: { hostIds: ['hv1'], arrayIds: null } });
      const nearXs1 = h.createWorker({ workerId: 'near-xs1', serves: { hostIds: ['xs1'], arrayIds: null } });
      const both = await h.enqueueBackup(backupOf(['sql1', 'web1']));
      await nearHv1.tick();
      await nearXs1.tick();
      expect(await statusOf(both.id)).toEqual({
        status: 'waiting',
        waitingReason: 'no single worker serves all of hosts hv1, xs1',
      });
      // near-xs1 falls silent: after its announcement expires only hv1 is served.
      h.clock.advance(2 * LEASE_MS + 1);
      await nearHv1.tick();
      expect(await statusOf(both.id)).toEqual({
        status: 'waiting',
        waitingReason: 'no worker serves host xs1',
      });
      const both1 = h.createWorker({
        workerId: 'near-both',
        serves: { hostIds: ['hv1', 'xs1'], arrayIds: null },
      });
      await h.tickUntilFinal(both1, [both.id]);
      expect((await statusOf(both.id)).status).toBe('succeeded');
    });

    it('a stopped worker retires at once: nothing it served counts any more', async () => {
      h = await createHarness({ dialect });
      const handle = h.startWorker({ workerId: 'stopping', serves: { hostIds: ['hv1'], arrayIds: null } });
      await handle.idle();
      expect((await h.stores.operations.liveWorkers(new Date())).map((worker) => worker.workerId)).toContain(
        'stopping',
      );
      await handle.stop();
      expect(await h.stores.operations.liveWorkers(new Date())).toEqual([]);
    });
  });
});
