/**
 * The WSB target of a Hyper-V connection is a fact the engine plans with (Host.wsbTarget): setting,
 * clearing or dropping it assesses the host's VMs again at once, without a sync, so the stored
 * plan says whether Windows Server Backup can run, and a plan reviewed before the change no longer
 * has the fingerprint of the estate (its start is refused as stale). Both dialects, against the fake
 * Windows host over SSH.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type StoreDialect, storeDialects } from '../../db/stores/contract/dialects';
import type { Stores } from '../../db/stores/ports';
import { SQL01 } from '../drivers/hyperv/fake/fake-estate';
import { hostInventoryId, vmInventoryId } from '../drivers/hyperv/hyperv-discovery';
import { callOptions } from '../drivers/hyperv/hyperv-test-support';
import { planFingerprint } from '../engine/fingerprint';
import { addHypervConnection, removeHypervConnection, setHypervWsbTarget } from './hyperv-connection-service';
import { setupHypervConnection } from './hyperv-service-test-support';
import { syncHypervConnection } from './hyperv-sync-service';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

const dialects = await storeDialects('hypervwsbtarget');
let dialect: StoreDialect;

const NO_TARGET =
  "The connection of host 'HV01' names no Windows Server Backup target, so wbadmin has nowhere to write: set one under Connections.";

/** The stored plan's WSB option and the VM's stored readiness, as the VM page and the list show them. */
async function wsbAsStored(stores: Stores, vmId: string) {
  const plan = (await stores.inventory.getMethodPlan(vmId))?.plan;
  const wsb = plan?.options.find((option) => option.method === 'wsb-volume');
  return {
    isAvailable: wsb?.isAvailable,
    reasons: wsb?.unavailableReasons,
    recommended: plan?.recommended,
    readiness: (await stores.inventory.getVm(vmId))?.assessment?.readiness,
  };
}

async function fingerprintOf(stores: Stores, vmId: string): Promise<string> {
  return planFingerprint(await stores.inventory.loadNeighbourhood([vmId]));
}

describe.each(dialects)('$name', (current) => {
  describe.skipIf(current.skip !== null)('stores', () => {
    beforeEach(() => {
      dialect = current;
    });

    it('plans WSB only while the connection names a target, re-assessing at each change without a sync', async () => {
      const { fake, stores, ctx, keys, host } = await setupHypervConnection(dialect, cleanups);
      const saved = await addHypervConnection(stores, ctx, keys, {
        name: 'hv01',
        address: '127.0.0.1',
        port: fake.host.port,
        hostAccountId: host.id,
        wsbBackupTarget: 'E:',
      });
      // The first sync's import assessed the host before the connection named it: assessed again after.
      await syncHypervConnection(stores, ctx, keys, { id: saved.id }, callOptions());
      const vmId = vmInventoryId(SQL01);
      const named = await wsbAsStored(stores, vmId);
      expect(named).toMatchObject({ isAvailable: true, reasons: [], recommended: 'hyperv-vss' });
      const reviewed = await fingerprintOf(stores, vmId);

      await setHypervWsbTarget(stores, ctx, { id: saved.id, wsbBackupTarget: null });
      // The host has the Hyper-V writer (hyperv-vss stays recommended): readiness does not move, the option does.
      expect(await wsbAsStored(stores, vmId)).toEqual({
        isAvailable: false,
        reasons: [NO_TARGET],
        recommended: 'hyperv-vss',
        readiness: named.readiness,
      });
      const cleared = await fingerprintOf(stores, vmId);
      expect(cleared).not.toBe(reviewed);

      await setHypervWsbTarget(stores, ctx, { id: saved.id, wsbBackupTarget: 'F:' });
      expect(await wsbAsStored(stores, vmId)).toEqual(named);
      // Another target is the same fact for the plan: the fingerprint is the one reviewed with E:.
      expect(await fingerprintOf(stores, vmId)).toBe(reviewed);

      // Removed: what the syncs brought stays, and no connection names a target for it any more.
      await removeHypervConnection(stores, ctx, { id: saved.id, confirmation: 'hv01' });
      expect(await wsbAsStored(stores, vmId)).toMatchObject({ isAvailable: false, reasons: [NO_TARGET] });
      expect((await stores.inventory.loadNeighbourhood([vmId])).hosts).toEqual([
        expect.objectContaining({ id: hostInventoryId('HV01'), wsbTarget: 'none' }),
      ]);
    });
  });
});
