/**
 * A backup job that keeps its array snapshot on the array, run by the worker across the fake
 * Windows host and the fake EqualLogic group (hyperv-eql-support.ts): the snapshot stays on the
 * group, every VM on vmfs01 gets a point kept on it that offers volume revert and staged restore, a
 * run whose copies all fail still deletes its snapshot, and the job's retention (or deleting points
 * one by one) deletes a kept snapshot on the group only with the last of its capture's points.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { storeDialects } from '../../../db/stores/contract/dialects';
import { createServiceContext } from '../../context';
import { startPointDelete } from '../../services/restore-point-service';
import {
  createKeepingJob,
  expectKeptPointsOfferArrayRestores,
  runJobToEnd,
} from '../array-restore-test-support';
import type { DriverRegistry } from '../registry';
import { type HypervOnEql, openHypervOnEql } from './hyperv-eql-support';

const dialects = await storeDialects('hyperv-eql-kept');
let run: HypervOnEql;
afterEach(() => run?.close());

const DAY = 24 * 60 * 60 * 1000;
const ctx = () => createServiceContext({ now: () => run.h.clock.now(), newId: run.h.newId });
const snapshotsOnGroup = () => [...(run.group.volumes.get('vmfs01')?.snapshots.keys() ?? [])];
/** Volumes the connector made (copy and staging clones): none may outlive its step. */
const clones = () => [...run.group.volumes.keys()].filter((name) => name.startsWith('mgw-'));
const snapshotDeletes = () => run.group.commands.filter((command) => / snapshot delete /.test(command));

const keepingJob = () => createKeepingJob(run.h, ctx(), 'vmfs01 kept on the array', run.request());

const runJob = (jobId: string, drivers = run.drivers) => runJobToEnd(run.h, drivers, ctx(), jobId);

/** The worker's registry, except that every copy out of the snapshot is refused. */
function refusingCopies(drivers: DriverRegistry): DriverRegistry {
  return {
    ...drivers,
    async hypervisorForVm(vmId: string) {
      const driver = await drivers.hypervisorForVm(vmId);
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
}

describe.each(dialects)('$name', (dialect) => {
  describe.skipIf(dialect.skip !== null)('a backup that keeps its EqualLogic snapshot on the array', () => {
    it('the snapshot stays on the group, every VM’s point is kept on it and offers volume revert and staged restore', async () => {
      run = await openHypervOnEql(dialect);
      const job = await keepingJob();

      const first = await runJob(job.id);

      expect(first.done.status, first.done.error ?? '').toBe('succeeded-with-warnings'); // file01's pass-through disk is left out
      const [name] = snapshotsOnGroup();
      expect(snapshotsOnGroup()).toEqual([name]);
      expect(snapshotDeletes()).toEqual([]);
      expect(first.steps.find((step) => step.kind === 'release-snapshot')).toMatchObject({
        status: 'succeeded',
        resultJson: { kept: true },
      });
      // The copies went through clones of the snapshot, all gone again; the snapshot is not.
      expect(run.group.commands.filter((command) => / clone mgw-copy-/.test(command))).toHaveLength(3);
      expect(clones()).toEqual([]);
      expect(first.pointIds).toHaveLength(3); // sql01, web01, file01: every VM on vmfs01
      await expectKeptPointsOfferArrayRestores(run.h, first.pointIds, name);
    });

    it('retention deletes the older capture’s snapshot on the group with its last point; the newer one stays', async () => {
      run = await openHypervOnEql(dialect);
      const job = await keepingJob();
      const first = await runJob(job.id);
      const [older] = snapshotsOnGroup();
      run.h.clock.advance(DAY);

      const second = await runJob(job.id);

      expect(second.done.status, second.done.error ?? '').toBe('succeeded-with-warnings');
      const retention = second.steps.find((step) => step.kind === 'apply-retention');
      expect(retention?.resultJson).toMatchObject({ pruned: 3 });
      for (const id of first.pointIds) expect(await run.h.stores.restorePoints.get(id)).toBeNull();
      const names = snapshotsOnGroup();
      expect(names).toHaveLength(1);
      expect(names).not.toContain(older);
      // One delete, of the older snapshot, once its three points were all pruned.
      expect(snapshotDeletes()).toEqual([`volume select vmfs01 snapshot delete ${older}`]);
      expect(clones()).toEqual([]);
      for (const id of second.pointIds)
        expect(await run.h.stores.restorePoints.get(id)).toMatchObject({
          locationKind: 'array-snapshot',
          locationName: names[0],
        });
    });

    it('deleting the capture’s points one by one: the snapshot stays on the group until the last of them goes', async () => {
      run = await openHypervOnEql(dialect);
      const { pointIds } = await runJob((await keepingJob()).id);
      const [name] = snapshotsOnGroup();
      const deleteOne = async (pointId: string) => {
        const started = await startPointDelete(run.h.stores, ctx(), pointId);
        const [deleted] = await run.h.tickUntilFinal(run.h.createWorker({ drivers: run.drivers }), [
          started.operationId,
        ]);
        expect(deleted.status, deleted.error ?? '').toBe('succeeded');
      };

      for (const id of pointIds.slice(0, -1)) {
        await deleteOne(id);
        expect(snapshotsOnGroup()).toEqual([name]);
      }
      expect(snapshotDeletes()).toEqual([]);
      await deleteOne(pointIds[pointIds.length - 1]);

      expect(snapshotsOnGroup()).toEqual([]);
      expect(snapshotDeletes()).toEqual([`volume select vmfs01 snapshot delete ${name}`]);
    });

    it('a run whose copies all fail deletes its snapshot: nothing is kept without a point, no clone left', async () => {
      run = await openHypervOnEql(dialect);
      const op = await run.enqueue({ keepArraySnapshot: true });
      const [done] = await run.h.tickUntilFinal(
        run.h.createWorker({ drivers: refusingCopies(run.drivers) }),
        [op.id],
      );

      expect(done.status).toBe('failed');
      const steps = await run.h.stores.operations.steps(op.id);
      expect(steps.find((step) => step.kind === 'release-snapshot')).toMatchObject({ status: 'succeeded' });
      expect(steps.filter((step) => step.kind === 'catalog').map((step) => step.status)).not.toContain(
        'succeeded',
      );
      expect(snapshotsOnGroup()).toEqual([]);
      expect(clones()).toEqual([]);
    });
  });
});
