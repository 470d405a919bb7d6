/**
 * An overwrite of a VM whose name another VM shares, anywhere in the estate, is confirmed by its
 * name and host: typed for one VM, a bare name could stand for its namesake. The namesake is far
 * from the point's neighbourhood (another host, other storage): the service finds it by name.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { storeDialects } from '../../db/stores/contract/dialects';
import { createHarness, type Harness } from '../jobs/test-harness';
import type { Worker } from '../jobs/worker';
import { previewRestore, startBackup, startRestore } from './operations-service';
import { serviceRunHelpers } from './service-test-support';

let h: Harness;
let worker: Worker;
const { ctx, run, pointOf } = serviceRunHelpers(() => ({ h, worker }));

const dialects = await storeDialects('restorenamesake');

describe.each(dialects)('$name', (dialect) => {
  describe.skipIf(dialect.skip !== null)('stores', () => {
    afterEach(async () => {
      await h.close();
    });

    describe.each([
      { estate: 'web1 on xs1 renamed app1', namesake: 'app1', expected: 'app1 on hv1' },
      { estate: 'no namesake of app1', namesake: 'web1', expected: 'app1' },
    ])('$estate', ({ namesake, expected }) => {
      beforeEach(async () => {
        h = await createHarness({
          dialect,
          inventory: (inventory) => ({
            ...inventory,
            vms: inventory.vms.map((vm) => (vm.id === 'web1' ? { ...vm, name: namesake } : vm)),
          }),
        });
        worker = h.createWorker();
      });

      it(`an in-place restore of app1 asks to type "${expected}", and nothing else confirms it`, async () => {
        const backup = await startBackup(h.stores, ctx(), {
          scope: { kind: 'vms', vmIds: ['app1'] },
          consistencyPolicy: 'fallback',
          passthroughPolicy: 'skip',
        });
        expect((await run(backup)).status).toBe('succeeded');
        const point = await pointOf(backup.operationId, 'app1');
        const request = { restorePointId: point.id, mode: 'in-place' as const };
        expect((await previewRestore(h.stores, ctx(), request)).confirmationText).toBe(expected);
        for (const typed of ['app1', 'app1 on hv1'].filter((text) => text !== expected)) {
          await expect(startRestore(h.stores, ctx(), { ...request, confirmation: typed })).rejects.toThrow(
            `does not match the VM name "${expected}"`,
          );
        }
        const started = await startRestore(h.stores, ctx(), { ...request, confirmation: expected });
        expect((await run(started)).status).toBe('succeeded');
      });
    });
  });
});
