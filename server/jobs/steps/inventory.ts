/**
 * The inventory follows what steps did: the power states they observed live or caused (a volume
 * revert leaves its VMs off), and the VMs they created (a restore as new). Each changed VM is
 * assessed again from its neighbourhood — readiness and the recommended method depend on its power
 * state — so lists and filters show the VM as it is, without re-assessing the estate.
 */
import { evaluateVm } from '../../engine/evaluate';
import { indexInventory, type PowerState } from '../../engine/inventory';
import type { NewVmPlacement } from '../../engine/restore-stages/new-vm';
import type { StepStores } from './context';

async function reassessVms(stores: StepStores, vmIds: string[]): Promise<void> {
  const neighbourhood = await stores.inventory.loadNeighbourhood(vmIds);
  const index = indexInventory(neighbourhood);
  const known = vmIds.filter((vmId) => index.vmsById.has(vmId));
  await stores.inventory.replaceAssessments(
    neighbourhood,
    known.map((vmId) => evaluateVm(index, vmId)),
  );
}

export async function recordPowerStates(
  stores: StepStores,
  states: { vmId: string; powerState: PowerState }[],
): Promise<void> {
  if (states.length === 0) return;
  await stores.inventory.setPowerStates(states);
  await reassessVms(
    stores,
    states.map((state) => state.vmId),
  );
}

export async function addRestoredVm(stores: StepStores, newVm: NewVmPlacement): Promise<void> {
  await stores.inventory.addVms({
    vms: [newVm.vm],
    virtualDisks: newVm.disks.map((entry) => entry.disk),
    guestVolumes: newVm.guestVolumes,
  });
  await reassessVms(stores, [newVm.vm.id]);
}
