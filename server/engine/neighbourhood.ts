/**
 * The neighbourhood of a plan: the part of the estate a backup or restore plan reads, so a request
 * path loads only it (InventoryStore.loadNeighbourhood, whose every implementation is checked
 * against this definition) and a plan's fingerprint covers exactly it.
 *
 * From the VMs (and volumes, LUNs) a request names, closed over storage links in both directions:
 * the host volumes / SRs holding a VM's disks and checkpoint files (with their shadow-storage
 * volumes), the LUNs behind them widened to whole consistency groups, every host volume on those
 * LUNs, every VM with a disk on any of them; then the VMs' disks and guest volumes and the hosts
 * and arrays of it all. A VM sharing no storage with the request stays outside: a change to it
 * changes neither the plan nor its fingerprint.
 */
import type { Inventory, Vm } from './inventory';
import type { RestoreMode } from './plan-types';
import type { RestorePointSummary } from './restore-points';

/** Starting points besides VMs: a backup scoped to a volume or a LUN, the volume a point was captured from. */
export interface NeighbourhoodSeed {
  hostVolumeIds?: readonly string[];
  arrayVolumeIds?: readonly string[];
}

/** What a backup scope names. */
export function backupSeeds(
  scope:
    | { kind: 'vms'; vmIds: string[] }
    | { kind: 'host-volume'; hostVolumeId: string }
    | { kind: 'array-volume'; arrayVolumeId: string },
): { vmIds: string[]; also: NeighbourhoodSeed } {
  switch (scope.kind) {
    case 'vms':
      return { vmIds: [...scope.vmIds], also: {} };
    case 'host-volume':
      return { vmIds: [], also: { hostVolumeIds: [scope.hostVolumeId] } };
    case 'array-volume':
      return { vmIds: [], also: { arrayVolumeIds: [scope.arrayVolumeId] } };
  }
}

/** What a restore reads besides VM names: the point's VM and the volume or LUN it was captured from. */
export function restoreSeeds(point: Pick<RestorePointSummary, 'vmId' | 'hostVolumeId' | 'arrayVolumeId'>): {
  vmIds: string[];
  also: NeighbourhoodSeed;
} {
  return {
    vmIds: [point.vmId],
    also: {
      hostVolumeIds: point.hostVolumeId ? [point.hostVolumeId] : [],
      arrayVolumeIds: point.arrayVolumeId ? [point.arrayVolumeId] : [],
    },
  };
}

/** The name a restore gives a new VM: the VMs already called so (any case) are read by its name check. */
export function newVmNamesOf(request: { mode: RestoreMode; newVmName?: string }): string[] {
  const name = request.newVmName?.trim();
  return name && (request.mode === 'as-new' || request.mode === 'staged') ? [name] : [];
}

/** The neighbourhood with the VMs a restore's name check read (found by name, without their storage). */
export function withNamedVms(neighbourhood: Inventory, named: readonly Vm[]): Inventory {
  const known = new Set(neighbourhood.vms.map((vm) => vm.id));
  const extra = named.filter((vm) => !known.has(vm.id));
  return extra.length === 0 ? neighbourhood : { ...neighbourhood, vms: [...neighbourhood.vms, ...extra] };
}

/** The neighbourhood by its definition, from the whole estate: a fixpoint over storage links. */
export function neighbourhoodOf(
  whole: Inventory,
  vmIds: readonly string[],
  also: NeighbourhoodSeed = {},
): Inventory {
  const vmSet = new Set(vmIds.filter((id) => whole.vms.some((vm) => vm.id === id)));
  const volumeSet = new Set(
    (also.hostVolumeIds ?? []).filter((id) => whole.hostVolumes.some((v) => v.id === id)),
  );
  const lunSet = new Set(
    (also.arrayVolumeIds ?? []).filter((id) => whole.arrayVolumes.some((l) => l.id === id)),
  );
  const add = (set: Set<string>, id: string | null) => {
    if (id === null || set.has(id)) return false;
    set.add(id);
    return true;
  };
  for (let changed = true; changed; ) {
    changed = false;
    for (const vm of whole.vms) {
      if (vmSet.has(vm.id)) changed = add(volumeSet, vm.snapshotLocationVolumeId) || changed;
    }
    for (const disk of whole.virtualDisks) {
      const diskVolumeIsIn = disk.hostVolumeId !== null && volumeSet.has(disk.hostVolumeId);
      const diskLunIsIn = disk.arrayVolumeId !== null && lunSet.has(disk.arrayVolumeId);
      if (diskVolumeIsIn || diskLunIsIn) changed = add(vmSet, disk.vmId) || changed;
      if (vmSet.has(disk.vmId)) {
        changed = add(volumeSet, disk.hostVolumeId) || changed;
        changed = add(lunSet, disk.arrayVolumeId) || changed;
      }
    }
    for (const volume of whole.hostVolumes) {
      if (volumeSet.has(volume.id)) {
        changed = add(volumeSet, volume.shadowStorageVolumeId) || changed;
        changed = add(lunSet, volume.arrayVolumeId) || changed;
      }
      if (volume.arrayVolumeId !== null && lunSet.has(volume.arrayVolumeId))
        changed = add(volumeSet, volume.id) || changed;
    }
    const groupIds = new Set(
      whole.arrayVolumes.filter((lun) => lunSet.has(lun.id)).map((lun) => lun.consistencyGroupId),
    );
    for (const lun of whole.arrayVolumes) {
      if (lun.consistencyGroupId !== null && groupIds.has(lun.consistencyGroupId))
        changed = add(lunSet, lun.id) || changed;
    }
  }
  const luns = whole.arrayVolumes.filter((lun) => lunSet.has(lun.id));
  const groupSet = new Set(luns.map((lun) => lun.consistencyGroupId));
  const vms = whole.vms.filter((vm) => vmSet.has(vm.id));
  const volumes = whole.hostVolumes.filter((volume) => volumeSet.has(volume.id));
  const hostSet = new Set([...vms, ...volumes].map((row) => row.hostId));
  const groups = whole.consistencyGroups.filter((group) => groupSet.has(group.id));
  const arraySet = new Set([...luns, ...groups].map((row) => row.arrayId));
  return {
    hosts: whole.hosts.filter((host) => hostSet.has(host.id)),
    hostVolumes: volumes,
    vms,
    virtualDisks: whole.virtualDisks.filter((disk) => vmSet.has(disk.vmId)),
    guestVolumes: whole.guestVolumes.filter((volume) => vmSet.has(volume.vmId)),
    arrays: whole.arrays.filter((array) => arraySet.has(array.id)),
    arrayVolumes: luns,
    consistencyGroups: groups,
  };
}
