/**
 * What a volume revert would destroy when it runs, against what the operator confirmed when it was
 * planned. A confirmed (and approved) revert can wait in the queue while a sync finds a VM moved
 * onto the volume or created there, or a new host volume carved out of the LUN; the revert would
 * destroy them although nobody saw them in its blast radius. The revert step re-derives the set
 * from the inventory as it is right before it touches anything (the same derivation the plan
 * made) and refuses on anything added. A VM that left the volume only shrinks what is destroyed:
 * no reason to refuse, but the revert must not stop it or record it off as if it were still there.
 */
import type { VolumeRef } from '../driver';
import type { InventoryIndex } from '../inventory';
import { describeVolume, hostVolumeIdsOnLuns, joinNames, vmIdsOnLuns } from './model';

/** The revert step's view of what was confirmed (its params). */
export interface ConfirmedRevert {
  volume: VolumeRef;
  groupVolumeIds?: string[];
  vmIds: string[];
  /** The host volumes on the reverted LUNs when planned; absent in older plans (not compared then). */
  hostVolumeIds?: string[];
}

export interface RevertDrift {
  /** The volume as the operator knows it ("D: on hv1", "lun1"). */
  volumeName: string;
  /** On the volume now, not when the revert was confirmed: the revert would destroy them unseen. */
  addedVms: { vmId: string; vmName: string }[];
  addedHostVolumes: { id: string; name: string }[];
  /** Confirmed and still on the volume: the VMs the revert stops and leaves off. */
  remainingVmIds: string[];
  /** Confirmed but no longer on the volume: the revert leaves them alone. */
  leftVmIds: string[];
}

/** The LUNs the revert rolls back: the volume and the rest of its consistency group as planned. */
function revertedLuns(confirmed: ConfirmedRevert): string[] {
  return confirmed.volume.kind === 'array-volume'
    ? [confirmed.volume.id, ...(confirmed.groupVolumeIds ?? [])]
    : [];
}

/** `index`: the inventory now, holding at least the neighbourhood of the reverted volume(s). */
export function revertDrift(index: InventoryIndex, confirmed: ConfirmedRevert): RevertDrift {
  const { volume } = confirmed;
  const luns = revertedLuns(confirmed);
  const vmIdsNow =
    volume.kind === 'host-volume' ? (index.vmIdsByHostVolume.get(volume.id) ?? []) : vmIdsOnLuns(index, luns);
  const hostVolumeIdsNow = volume.kind === 'host-volume' ? [volume.id] : hostVolumeIdsOnLuns(index, luns);
  const confirmedVms = new Set(confirmed.vmIds);
  const now = new Set(vmIdsNow);
  const addedHostVolumeIds = confirmed.hostVolumeIds
    ? hostVolumeIdsNow.filter((id) => !confirmed.hostVolumeIds?.includes(id))
    : [];
  return {
    volumeName: describeVolume(index, volume).name,
    addedVms: vmIdsNow
      .filter((vmId) => !confirmedVms.has(vmId))
      .map((vmId) => ({ vmId, vmName: index.vmsById.get(vmId)?.name ?? vmId })),
    addedHostVolumes: addedHostVolumeIds.map((id) => {
      const hostVolume = index.hostVolumesById.get(id);
      const host = hostVolume ? index.hostsById.get(hostVolume.hostId) : undefined;
      return { id, name: hostVolume ? [host?.name, hostVolume.name].filter(Boolean).join(' ') : id };
    }),
    remainingVmIds: confirmed.vmIds.filter((vmId) => now.has(vmId)),
    leftVmIds: confirmed.vmIds.filter((vmId) => !now.has(vmId)),
  };
}

const quoted = (names: string[]) => joinNames(names.map((name) => `'${name}'`));

/** The refusal naming everything the confirmation did not cover; null when it covered all of it. */
export function revertDriftRefusal(drift: RevertDrift): string | null {
  const { addedVms, addedHostVolumes, volumeName } = drift;
  const parts = [
    ...(addedVms.length > 0
      ? [`${addedVms.length === 1 ? 'VM' : 'VMs'} ${quoted(addedVms.map((vm) => vm.vmName))}`]
      : []),
    ...(addedHostVolumes.length > 0
      ? [
          `${addedHostVolumes.length === 1 ? 'host volume' : 'host volumes'} ${quoted(addedHostVolumes.map((hv) => hv.name))}`,
        ]
      : []),
  ];
  if (parts.length === 0) return null;
  const one = addedVms.length + addedHostVolumes.length === 1;
  return `reverting ${volumeName} would also destroy ${parts.join(' and ')}, which ${one ? 'was' : 'were'} not on ${volumeName} when the revert was confirmed: nothing was reverted. Plan the revert again`;
}
