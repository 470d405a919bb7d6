/**
 * The inventory follows what steps did: the power states they observed live or caused (a volume
 * revert leaves its VMs off), and the VMs they created (a restore as new). Each changed VM is
 * assessed again from its neighbourhood — readiness and the recommended method depend on its power
 * state — so lists and filters show the VM as it is, without re-assessing the estate.
 */
import type { ReassessVms } from '../../../db/stores/ports/inventory';
import { evaluateVm } from '../../engine/evaluate';
import { guestVolumeInventoryId, indexInventory, type PowerState } from '../../engine/inventory';
import type { NewVmPlacement } from '../../engine/restore-stages/new-vm';
import type { StepStores } from './context';

/**
 * The engine over the changed VMs' neighbourhood, for the store to run in the transaction that
 * writes the change: read and written apart, an import or sync landing in between (another worker,
 * the console, another node) had its newer assessment overwritten by one of facts no longer stored,
 * and a crash in between left a VM stored off and shown running.
 */
function reassessing(vmIds: readonly string[]): ReassessVms {
  return (neighbourhood) => {
    const index = indexInventory(neighbourhood);
    return vmIds.filter((vmId) => index.vmsById.has(vmId)).map((vmId) => evaluateVm(index, vmId));
  };
}

export async function recordPowerStates(
  stores: StepStores,
  states: { vmId: string; powerState: PowerState }[],
): Promise<void> {
  if (states.length === 0) return;
  await stores.inventory.setPowerStates(states, reassessing(states.map((state) => state.vmId)));
}

/**
 * The placement under the ids the hypervisor gave the VM it created (see `RestoreResult.createdVm`):
 * a sync reads the VM by those, so a record under the plan's ids would be added again and marked gone.
 * A disk the driver did not name keeps the plan's id; guest volumes take the form syncs give them.
 */
export function underHypervisorIds(
  newVm: NewVmPlacement,
  created: { vmId: string; diskIds: Record<string, string> } | undefined,
): NewVmPlacement {
  if (!created) return newVm;
  const vmId = created.vmId;
  const diskIdOf = new Map(
    newVm.disks.map((entry) => [entry.disk.id, created.diskIds[entry.fromDiskId] ?? entry.disk.id]),
  );
  return {
    ...newVm,
    vm: { ...newVm.vm, id: vmId },
    disks: newVm.disks.map((entry) => ({
      fromDiskId: entry.fromDiskId,
      disk: { ...entry.disk, id: diskIdOf.get(entry.disk.id) ?? entry.disk.id, vmId },
    })),
    guestVolumes: newVm.guestVolumes.map((volume) => ({
      ...volume,
      id: guestVolumeInventoryId(vmId, volume.mountPoint),
      vmId,
      diskId: volume.diskId === null ? null : (diskIdOf.get(volume.diskId) ?? volume.diskId),
    })),
  };
}

/**
 * Records the VM a restore created, `at` (after the hypervisor created it): a sync whose read of
 * the host began before then does not list it, and must not mark it gone (markGoneVms).
 */
export async function addRestoredVm(stores: StepStores, newVm: NewVmPlacement, at: Date): Promise<void> {
  await stores.inventory.addVms(
    {
      vms: [newVm.vm],
      virtualDisks: newVm.disks.map((entry) => entry.disk),
      guestVolumes: newVm.guestVolumes,
    },
    at,
    reassessing([newVm.vm.id]),
  );
}
