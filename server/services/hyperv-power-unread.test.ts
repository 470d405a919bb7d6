/**
 * A Hyper-V VM in a state Migawka does not know, synced from the fake Windows host over real SSH
 * into each store: planned as running for safety, recorded as not read with what Hyper-V reported,
 * said by the engine (VM-POWER-STATE-UNKNOWN) and by the sync's log; a later sync that reads the
 * state clears all of it.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type StoreDialect, storeDialects } from '../../db/stores/contract/dialects';
import { SQL01 } from '../drivers/hyperv/fake/fake-estate';
import { VM_STATE } from '../drivers/hyperv/fake/fake-hyperv-model';
import { vmInventoryId } from '../drivers/hyperv/hyperv-discovery';
import { callOptions } from '../drivers/hyperv/hyperv-test-support';
import { vmListQueryInput } from '../schemas/inventory-queries';
import { setupHypervConnection } from './hyperv-service-test-support';
import { runHypervSync } from './hyperv-sync-service';

const HIBERNATED = 32783;
const REPORTED = 'Hyper-V reports state Hibernated (32783), which Migawka does not know';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

const dialects = await storeDialects('hypervpowerunread');
let dialect: StoreDialect;

describe.each(dialects)('$name', (current) => {
  describe.skipIf(current.skip !== null)('stores', () => {
    beforeEach(() => {
      dialect = current;
    });

    it('a VM Hyper-V reports Hibernated is planned running, stored as not read, found and logged; a sync that reads its state clears it', async () => {
      const { fake, stores, ctx, keys, connection } = await setupHypervConnection(dialect, cleanups);
      const saved = await connection();
      const sql01 = fake.model.state.vms.find((vm) => vm.name === 'sql01');
      if (!sql01) throw new Error('the fake estate has no sql01');
      sql01.state = HIBERNATED;
      const vmId = vmInventoryId(SQL01);
      const shown = async () => {
        const detail = await stores.inventory.getVm(vmId);
        const list = await stores.inventory.listVms(vmListQueryInput.parse({ search: 'sql01' }), ctx.now());
        return {
          powerState: detail?.vm.powerState,
          powerStateUnknown: detail?.vm.powerStateUnknown,
          listed: list.items.map((item) => [item.powerState, item.powerStateUnknown, item.readiness]),
          findings: detail?.findings
            .filter((finding) => finding.ruleId === 'VM-POWER-STATE-UNKNOWN')
            .map((finding) => [finding.severity, finding.message.includes(REPORTED)]),
        };
      };

      await runHypervSync(stores, ctx, keys, { id: saved.id }, callOptions());
      expect(await shown()).toEqual({
        powerState: 'running',
        powerStateUnknown: REPORTED,
        // Its guest could not be read either (PowerShell Direct is not tried): never "Ready".
        listed: [['running', REPORTED, 'unconfirmed']],
        findings: [['info', true]],
      });
      const [first] = (await stores.syncLog.list(saved.id, { limit: 1 })).items;
      expect(first?.warnings).toContain(`sql01: power state not read (${REPORTED})`);

      sql01.state = VM_STATE.Running;
      await runHypervSync(stores, ctx, keys, { id: saved.id }, callOptions());
      expect(await shown()).toEqual({
        powerState: 'running',
        powerStateUnknown: null,
        listed: [['running', null, 'online-ready']],
        findings: [],
      });
      const [second] = (await stores.syncLog.list(saved.id, { limit: 1 })).items;
      expect(second?.warnings ?? '').not.toContain('power state not read');
    });
  });
});
