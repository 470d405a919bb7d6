/**
 * A backup job that keeps its array snapshot on the array, run by the worker across the fake
 * Windows host and the fake ONTAP cluster (hyperv-ontap-runner-support.ts): the snapshot stays on
 * the cluster, every VM on the LUN gets a point kept on it that offers volume revert and staged
 * restore, a failed run still deletes its snapshot, and the job's retention deletes an older kept
 * snapshot on the cluster only with the last of its capture's points.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { storeDialects } from '../../../db/stores/contract/dialects';
import { createServiceContext } from '../../context';
import {
  createKeepingJob,
  expectKeptPointsOfferArrayRestores,
  runJobToEnd,
} from '../array-restore-test-support';
import { type FencedHyperv, openFencedHyperv } from './hyperv-ontap-runner-support';

const dialects = await storeDialects('hyperv-ontap-kept');
let run: FencedHyperv;
afterEach(() => run?.close());

const DAY = 24 * 60 * 60 * 1000;
const ctx = () => createServiceContext({ now: () => run.h.clock.now(), newId: run.h.newId });
const snapshotsOnCluster = () =>
  (run.cluster.model.volumeByName('sql_data')?.snapshots ?? []).map((snapshot) => snapshot.name);

const keepingJob = () =>
  createKeepingJob(run.h, ctx(), 'sql_data kept on the array', run.request('fallback'));

const runJob = (jobId: string, drivers = run.drivers) => runJobToEnd(run.h, drivers, ctx(), jobId);

describe.each(dialects)('$name', (dialect) => {
  describe.skipIf(dialect.skip !== null)('a backup that keeps its ONTAP snapshot on the array', () => {
    it('the snapshot stays on the cluster, every VM’s point is kept on it and offers volume revert and staged restore', async () => {
      run = await openFencedHyperv(dialect);
      const job = await keepingJob();

      const first = await runJob(job.id);

      expect(first.done.status).toBe('succeeded-with-warnings'); // file01's pass-through disk is left out
      const [name] = snapshotsOnCluster();
      expect(snapshotsOnCluster()).toEqual([name]);
      expect(first.steps.find((step) => step.kind === 'release-snapshot')).toMatchObject({
        status: 'succeeded',
        resultJson: { kept: true },
      });
      expect(first.pointIds).toHaveLength(3); // sql01, web01, file01: every VM on the LUN
      await expectKeptPointsOfferArrayRestores(run.h, first.pointIds, name);
    });

    it('retention deletes the older capture’s snapshot on the cluster with its last point; the newer one stays', async () => {
      run = await openFencedHyperv(dialect);
      const job = await keepingJob();
      const first = await runJob(job.id);
      const [older] = snapshotsOnCluster();
      run.h.clock.advance(DAY);

      const second = await runJob(job.id);

      expect(second.done.status).toBe('succeeded-with-warnings');
      const retention = second.steps.find((step) => step.kind === 'apply-retention');
      expect(retention?.resultJson).toMatchObject({ pruned: 3 });
      for (const id of first.pointIds) expect(await run.h.stores.restorePoints.get(id)).toBeNull();
      const names = snapshotsOnCluster();
      expect(names).toHaveLength(1);
      expect(names).not.toContain(older);
      for (const id of second.pointIds)
        expect(await run.h.stores.restorePoints.get(id)).toMatchObject({
          locationKind: 'array-snapshot',
          locationName: names[0],
        });
    });

    it('a run that fails after the snapshot deletes it: nothing is kept without a point', async () => {
      run = await openFencedHyperv(dialect);
      // Every copy out of the snapshot fails: no VM gets a point, the operation fails.
      const failing = {
        ...run.drivers,
        async hypervisorForVm(vmId: string) {
          const driver = await run.drivers.hypervisorForVm(vmId);
          return new Proxy(driver, {
            get: (target, property, receiver) =>
              property === 'copyFromArrayLuns'
                ? async () => {
                    throw new Error('the copy was refused');
                  }
                : Reflect.get(target, property, receiver),
          });
        },
      };
      const op = await run.enqueue('fallback', { keepArraySnapshot: true });
      const [done] = await run.h.tickUntilFinal(run.h.createWorker({ drivers: failing }), [op.id]);

      expect(done.status).toBe('failed');
      const steps = await run.h.stores.operations.steps(op.id);
      expect(steps.find((step) => step.kind === 'release-snapshot')).toMatchObject({ status: 'succeeded' });
      expect(steps.filter((step) => step.kind === 'catalog').map((step) => step.status)).not.toContain(
        'succeeded',
      );
      expect(snapshotsOnCluster()).toEqual([]);
    });
  });
});
