/**
 * A VM of a backup's scope that its host's sync no longer lists is left out of the plan
 * (BACKUP-VM-GONE) and no step carries it: the run backs up the others and ends succeeded with
 * warnings naming the VM it did not back up, never a plain "succeeded".
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { storeDialects } from '../../db/stores/contract/dialects';
import { createHarness, type Harness } from './test-harness';

let h: Harness;

const dialects = await storeDialects('gone-vm-run');

describe.each(dialects)('$name', (dialect) => {
  describe.skipIf(dialect.skip !== null)('a backup whose scope names a VM gone from its host', () => {
    beforeEach(async () => {
      h = await createHarness({ dialect });
    });
    afterEach(async () => {
      await h.close();
    });

    it('backs up the others and ends succeeded with warnings, naming the VM not backed up', async () => {
      const web1 = (await h.stores.inventory.getVm('web1'))?.vm;
      if (!web1) throw new Error('the lab has no web1');
      const seen = (await h.stores.inventory.loadInventory()).vms.filter((vm) => vm.id !== 'web1');
      const at = h.clock.now();
      await h.stores.inventory.markGoneVms(
        web1.hostId,
        seen.map((vm) => vm.id),
        at,
        at,
      );

      const op = await h.enqueueBackup(
        {
          scope: { kind: 'vms', vmIds: ['web1', 'app1'] },
          consistencyPolicy: 'fallback',
          passthroughPolicy: 'skip',
        },
        { inventory: await h.stores.inventory.loadInventory() }, // as stored now: web1 gone
      );
      const [done] = await h.tickUntilFinal(h.createWorker(), [op.id]);

      expect(done.status).toBe('succeeded-with-warnings');
      expect(done.warningsJson[0]).toMatch(
        /^VM 'web1' is gone from .+: it is not backed up; the other VMs are\.$/,
      );
      expect(await h.stores.restorePoints.vmIdsCataloguedBy(op.id)).toEqual(['app1']);
    });
  });
});
