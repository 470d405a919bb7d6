/**
 * An overwrite of a VM whose name another VM shares, anywhere in the estate, is confirmed by its
 * name and host, and by its id too when the namesake is on the same host (Hyper-V allows it):
 * typed for one VM, a bare name could stand for its namesake. A namesake far from the point's
 * neighbourhood (another host, other storage) is found by name; a refused text starts nothing.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { storeDialects } from '../../db/stores/contract/dialects';
import { createHarness, type Harness } from '../jobs/test-harness';
import type { Worker } from '../jobs/worker';
import { listOperations, previewRestore, startBackup, startRestore } from './operations-service';
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

    describe.each<{ estate: string; rename: Record<string, string>; expected: string; note: string | null }>([
      { estate: 'web1 on xs1 renamed app1', rename: { web1: 'app1' }, expected: 'app1 on hv1', note: null },
      { estate: 'no namesake of app1', rename: {}, expected: 'app1', note: null },
      {
        // The lab's ids are its inventory's own: the one shown is the VM's id there.
        estate: 'sql1 on hv1 renamed app1',
        rename: { sql1: 'app1' },
        expected: 'app1 (app1) on hv1',
        note: 'Another VM on hv1 is also named app1 (sql1): the one overwritten has inventory id app1, as the imported inventory shows it.',
      },
      {
        estate: 'sql1 on hv1 and web1 on xs1 renamed app1',
        rename: { sql1: 'app1', web1: 'app1' },
        expected: 'app1 (app1) on hv1',
        note: 'Another VM on hv1 is also named app1 (sql1): the one overwritten has inventory id app1, as the imported inventory shows it.',
      },
    ])('$estate', ({ rename, expected, note }) => {
      beforeEach(async () => {
        const renamed: Record<string, string> = rename;
        h = await createHarness({
          dialect,
          inventory: (inventory) => ({
            ...inventory,
            vms: inventory.vms.map((vm) => ({ ...vm, name: renamed[vm.id] ?? vm.name })),
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
        const preview = await previewRestore(h.stores, ctx(), request);
        expect(preview.confirmationText).toBe(expected);
        expect(preview.confirmationNote).toBe(note);
        const before = (await listOperations(h.stores, { limit: 200 })).items.length;
        for (const typed of ['app1', 'app1 on hv1', 'app1 (sql1) on hv1'].filter(
          (text) => text !== expected,
        )) {
          await expect(startRestore(h.stores, ctx(), { ...request, confirmation: typed })).rejects.toThrow(
            `The confirmation "${typed}" does not match the VM name "${expected}"`,
          );
        }
        await expect(startRestore(h.stores, ctx(), request)).rejects.toThrow(
          `Type the VM name "${expected}" to confirm this in-place restore`,
        );
        // A refused confirmation starts nothing.
        expect((await listOperations(h.stores, { limit: 200 })).items).toHaveLength(before);
        const started = await startRestore(h.stores, ctx(), { ...request, confirmation: expected });
        expect((await run(started)).status).toBe('succeeded');
      });
    });
  });
});
