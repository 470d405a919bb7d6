/**
 * Which driver a step calls. A step names what it touches (a VM, a host volume, a snapshot scope,
 * a volume); the registry resolves the connector that manages it.
 */
import type { DriverRegistry } from '../../drivers/registry';
import type { ArrayDriver, HypervisorDriver } from '../../drivers/roles';
import type { SnapshotScope, VolumeRef } from '../../engine/driver';
import type { OperationPlan, PlanStep } from '../../engine/plan-types';
import type { StepStores } from './context';

/** "sql01 and web01": the VMs' names as the inventory has them (the id when it has none). */
export async function namesOfVms(stores: StepStores, vmIds: string[]): Promise<string> {
  const names = await Promise.all(
    vmIds.map(async (vmId) => (await stores.inventory.getVm(vmId))?.vm.name ?? vmId),
  );
  return names.length <= 1
    ? names.join('')
    : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

/** The driver that takes (and releases) a snapshot of this scope. */
export async function snapshotDriverFor(
  drivers: DriverRegistry,
  scope: SnapshotScope,
): Promise<HypervisorDriver | ArrayDriver> {
  switch (scope.kind) {
    case 'vm':
      return drivers.hypervisorForVm(scope.vmId);
    case 'host-volumes':
      return drivers.hypervisorForHostVolume(firstOf(scope.hostVolumeIds, 'host volume'));
    case 'array-volumes':
      // One snapshot is one array's: a consistency group never spans arrays, and the planner
      // groups LUN snapshots per array.
      return drivers.arrayForArrayVolume(firstOf(scope.arrayVolumeIds, 'array volume'));
  }
}

/** The driver that reverts / stages a whole volume: the host's for a host volume, the array's for a LUN. */
export function volumeDriverFor(
  drivers: DriverRegistry,
  volume: VolumeRef,
): Promise<HypervisorDriver | ArrayDriver> {
  return volume.kind === 'host-volume'
    ? drivers.hypervisorForHostVolume(volume.id)
    : drivers.arrayForArrayVolume(volume.id);
}

function firstOf(ids: string[], what: string): string {
  const [first] = ids;
  if (first === undefined) throw new Error(`a snapshot scope names no ${what}`);
  return first;
}

/** The step a cleanup step undoes (its params say what was created: the snapshot, the staging). */
export function undoneStep(plan: OperationPlan, step: PlanStep): PlanStep {
  const undone = step.undoes ? plan.steps.find((candidate) => candidate.key === step.undoes) : undefined;
  if (!undone) throw new Error(`step "${step.key}" (${step.kind}) names no step it undoes`);
  return undone;
}
