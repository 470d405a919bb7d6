/**
 * Restore outcomes that do not claim more than happened: a restore from a partial point (its VM's
 * pass-through disk is not in it) brings back only some of the VM's disks, so it ends
 * `succeeded-with-warnings`, saying which in words, never plainly succeeded. The runs are real,
 * driven by the worker's tick() on the lab.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { storeDialects } from '../../db/stores/contract/dialects';
import { createHarness, type Harness } from '../jobs/test-harness';
import type { Worker } from '../jobs/worker';
import type { RestoreRequestInput } from '../schemas/operations';
import { startBackup, startRestore } from './operations-service';
import { serviceRunHelpers } from './service-test-support';

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

describe.each(await storeDialects('restoreoutcomes'))('$name', (dialect) => {
  describe.skipIf(dialect.skip !== null)('stores', () => {
    beforeEach(async () => {
      h = await createHarness({ dialect });
      worker = h.createWorker();
    });
    afterEach(async () => {
      await h.close();
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
  });
});
