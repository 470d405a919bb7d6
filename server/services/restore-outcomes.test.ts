/**
 * Restore outcomes that do not claim more than happened: a restore from a partial point (its VM's
 * pass-through disk is not in it) brings back only some of the VM's disks, and a restore step whose
 * driver could not re-hash what it wrote (an array reverting a LUN itself) is unverified. Both end
 * `succeeded-with-warnings`, saying why in words; neither is plainly succeeded, and an unverified
 * restore is not called corrupt. The runs are real, driven by the worker's tick() on the lab.
 */
import { describe, expect, it } from 'vitest';
import { storeDialects } from '../../db/stores/contract/dialects';
import type { DriverRegistry } from '../drivers/registry';
import type { Harness } from '../jobs/test-harness';
import type { Worker } from '../jobs/worker';
import type { RestoreRequestInput } from '../schemas/operations';
import { startBackup, startRestore } from './operations-service';
import { harnessPerTest, serviceRunHelpers } from './service-test-support';

let h: Harness;
let worker: Worker;

const { ctx, run, pointOf } = serviceRunHelpers(() => ({ h, worker }));

/** fs1's point, left without its pass-through disk fs1-pt, taken by `method`. */
async function partialPointOfFs1(method: 'hyperv-vss' | 'wsb-volume') {
  const backup = await startBackup(h.stores, ctx(), {
    scope: { kind: 'vms', vmIds: ['fs1'] },
    methodByVm: { fs1: method },
    consistencyPolicy: 'fallback',
    passthroughPolicy: 'skip',
  });
  expect((await run(backup)).status).toBe('succeeded-with-warnings');
  const point = await pointOf(backup.operationId, 'fs1');
  expect(point.isPartial).toBe(true);
  return point;
}

/** The lab's drivers, with every host volume revert reporting that it could not re-hash what it wrote. */
function unverifiedReverts(drivers: DriverRegistry): DriverRegistry {
  return new Proxy(drivers, {
    get(target, property, receiver) {
      if (property !== 'hypervisorForHostVolume') return Reflect.get(target, property, receiver);
      return async (hostVolumeId: string) => {
        const driver = await target.hypervisorForHostVolume(hostVolumeId);
        return new Proxy(driver, {
          get(inner, name, innerReceiver) {
            if (name !== 'revertVolume') return Reflect.get(inner, name, innerReceiver);
            return async (...args: Parameters<NonNullable<typeof driver.revertVolume>>) => {
              const result = await inner.revertVolume?.(...args);
              return { ...result, verified: false };
            };
          },
        });
      };
    },
  });
}

describe.each(await storeDialects('restoreoutcomes'))('$name', (dialect) => {
  describe.skipIf(dialect.skip !== null)('stores', () => {
    harnessPerTest(dialect, (harness, harnessWorker) => {
      h = harness;
      worker = harnessWorker;
    });

    it.each<{
      name: string;
      method: 'hyperv-vss' | 'wsb-volume';
      mode: 'as-new' | 'staged';
      stepKind: string;
    }>([
      { name: 'as a new VM', method: 'hyperv-vss', mode: 'as-new', stepKind: 'restore-disks' },
      {
        name: 'staged, copied out as a new VM',
        method: 'wsb-volume',
        mode: 'staged',
        stepKind: 'copy-out-vm',
      },
    ])(
      'a partial point restored $name: succeeded with warnings, naming the disk not brought back',
      async ({ method, mode, stepKind }) => {
        const point = await partialPointOfFs1(method);
        const request: RestoreRequestInput = { restorePointId: point.id, mode, newVmName: 'fs1-restored' };
        const done = await run(await startRestore(h.stores, ctx(), request));

        expect(done.status, done.error ?? '').toBe('succeeded-with-warnings');
        const step = (await h.stores.operations.steps(done.id)).find((row) => row.kind === stepKind);
        expect(step?.warning).toBe(
          'The point is partial: it holds 1 of 2 disks of fs1 and not fs1-pt: the restored VM gets no such disk',
        );
        expect(done.warningsJson).toEqual([`${step?.title}: ${step?.warning}`]);
      },
    );

    it('a complete point restored as a new VM still ends plainly succeeded', async () => {
      const backup = await startBackup(h.stores, ctx(), {
        scope: { kind: 'vms', vmIds: ['app1'] },
        consistencyPolicy: 'fallback',
        passthroughPolicy: 'skip',
      });
      expect((await run(backup)).status).toBe('succeeded');
      const point = await pointOf(backup.operationId, 'app1');
      const done = await run(
        await startRestore(h.stores, ctx(), {
          restorePointId: point.id,
          mode: 'as-new',
          newVmName: 'app1-new',
        }),
      );
      expect(done.status, done.error ?? '').toBe('succeeded');
      expect(done.warningsJson).toEqual([]);
    });

    it('a volume revert its driver could not re-hash: unverified, not corrupt; the newer points are still discarded', async () => {
      const backup = await startBackup(h.stores, ctx(), {
        scope: { kind: 'host-volume', hostVolumeId: 'hv1-d' },
        methodByVm: { app1: 'wsb-volume', sql1: 'wsb-volume' },
        consistencyPolicy: 'fallback',
        passthroughPolicy: 'skip',
      });
      expect((await run(backup)).status).toBe('succeeded');
      const point = await pointOf(backup.operationId, 'app1');
      h.clock.advance(60_000);
      const newer = await startBackup(h.stores, ctx(), {
        scope: { kind: 'host-volume', hostVolumeId: 'hv1-d' },
        methodByVm: { app1: 'wsb-volume', sql1: 'wsb-volume' },
        consistencyPolicy: 'fallback',
        passthroughPolicy: 'skip',
      });
      expect((await run(newer)).status).toBe('succeeded');
      const newerPoint = await pointOf(newer.operationId, 'app1');

      worker = h.createWorker({ drivers: unverifiedReverts(h.drivers) });
      const done = await run(
        await startRestore(h.stores, ctx(), {
          restorePointId: point.id,
          mode: 'volume-revert',
          confirmation: 'hv1 D:',
          acknowledgedStoppedVmIds: ['sql1'],
        }),
      );

      expect(done.status, done.error ?? '').toBe('succeeded-with-warnings');
      expect(done.error).toBeNull();
      const steps = await h.stores.operations.steps(done.id);
      const verify = steps.find((row) => row.kind === 'verify-restored');
      expect(verify?.status).toBe('succeeded');
      expect(verify?.warning).toBe(
        'what "Revert D: on hv1 (2 VMs)" wrote was not re-hashed against the point\'s manifest (its driver cannot read it back): the restored data is unverified',
      );
      expect(done.warningsJson).toEqual([`${verify?.title}: ${verify?.warning}`]);
      // The revert happened: the points it made meaningless are gone, as after a verified revert.
      expect(steps.find((row) => row.kind === 'discard-newer-points')?.status).toBe('succeeded');
      expect(await h.stores.restorePoints.get(newerPoint.id)).toBeNull();
    });
  });
});
