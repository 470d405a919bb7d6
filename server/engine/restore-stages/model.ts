/**
 * What the restore planning stages share (see ../restore-plan.ts for the order): the request, the
 * facts resolved once from point and inventory (the subject), and the verdict every stage appends
 * its blockers and findings to.
 */
import type { VolumeRef } from '../driver';
import type { InventoryIndex, VirtualDisk, Vm } from '../inventory';
import type { CollateralVm, RestoreMode } from '../plan-types';
import { type RestorePointSummary, volumeOfPoint } from '../restore-points';
import { isCopyBackInPlace } from '../roles';
import type { BackupMethod, Finding, ObjectRef } from '../types';

export interface RestorePlanRequest {
  restorePointId: string;
  mode: RestoreMode;
  /** Required for as-new; for staged it copies the VM out as a new VM instead of replacing it. */
  newVmName?: string;
  /** What the operator typed to confirm a destructive mode. */
  confirmation?: string;
  /**
   * The running VMs a volume revert stops, each acknowledged by the operator (by id; the wizard
   * shows one checkbox per VM name). A revert that stops a VM nobody acknowledged does not run.
   */
  acknowledgedStoppedVmIds?: string[];
  /** As-new: the host volume the new VM lands on (default: where the VM's disks are now). */
  targetHostVolumeId?: string;
  /** As-new: power the new VM on once restored (default: leave it off). */
  powerOnAfterRestore?: boolean;
}

export interface RestorePlanContext {
  now: Date;
  /**
   * Every known point captured on the same volume (volume-revert / staged) or of the same VM
   * (other modes), any age, the point itself included or not. Siblings of one capture and
   * newer points are found here.
   */
  pointsOnSameScope: RestorePointSummary[];
  newId: () => string;
}

export interface Verdict {
  blockedReasons: string[];
  findings: Finding[];
}

export interface VolumeFacts {
  ref: VolumeRef;
  name: string;
  /** What the operator types to confirm a revert: host and volume ("hv-02 D:"), or array and LUNs. */
  uniqueName: string;
  /** The consistency group a LUN revert widens to (its LUNs were snapshotted together); null otherwise. */
  consistencyGroupName: string | null;
  vmIds: string[];
  hostVolumeIds: string[];
  arrayVolumeIds: string[];
}

/** The facts every stage reads, resolved once from the point, the request and the inventory. */
export interface RestoreSubject {
  index: InventoryIndex;
  point: RestorePointSummary;
  request: RestorePlanRequest;
  mode: RestoreMode;
  /** The VM as it is now; undefined when it no longer exists. */
  vm: Vm | undefined;
  vmName: string;
  methods: BackupMethod[];
  pointRef: ObjectRef;
  newVmName: string | null;
  /** Staged without a new name: the VM is copied back over itself. */
  isCopyOutInPlace: boolean;
  /** The restore overwrites the existing VM (in-place, snapshot revert, staged back in place). */
  replacesVm: boolean;
  /** The volume a volume revert or a staged restore works on; null for VM-level modes. */
  volume: VolumeFacts | null;
  /** The point and its siblings of the same capture on that volume (one snapshot, several VMs). */
  capturePointIds: string[];
  siblingPoints: RestorePointSummary[];
}

/** What a volume revert puts at risk, found by the blast-radius stage. */
export interface BlastRadius {
  collateral: CollateralVm[];
  discardedPointIds: string[];
  lockedVmIds: Set<string>;
  hostVolumeIds: Set<string>;
  arrayVolumeIds: Set<string>;
  /** Running VMs the volume revert stops (each needs the operator's acknowledgement). */
  stoppedVms: { vmId: string; vmName: string }[];
}

export function vmRef(index: InventoryIndex, vmId: string, fallbackName?: string): ObjectRef {
  return { kind: 'vm', id: vmId, name: index.vmsById.get(vmId)?.name ?? fallbackName ?? vmId };
}

export function joinNames(names: string[]): string {
  if (names.length <= 1) return names.join('');
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

export function isPoweredOn(index: InventoryIndex, vmId: string): boolean {
  const state = index.vmsById.get(vmId)?.powerState;
  return state === 'running' || state === 'paused';
}

/** The volume of the given kind a disk lives on (its host volume, or the LUN behind it / presented to the VM). */
export function volumeOfDisk(
  index: InventoryIndex,
  disk: VirtualDisk,
  kind: VolumeRef['kind'],
): string | null {
  if (kind === 'host-volume') return disk.hostVolumeId;
  if (disk.hostVolumeId) return index.hostVolumesById.get(disk.hostVolumeId)?.arrayVolumeId ?? null;
  return disk.arrayVolumeId;
}

/** Every VM with a disk on one of these LUNs, directly or through a host volume on them. */
export function vmIdsOnLuns(index: InventoryIndex, lunIds: readonly string[]): string[] {
  return [...new Set(lunIds.flatMap((id) => index.vmIdsByArrayVolume.get(id) ?? []))];
}

/** The host volumes (CSVs, SRs, drive letters) that sit on one of these LUNs. */
export function hostVolumeIdsOnLuns(index: InventoryIndex, lunIds: readonly string[]): string[] {
  return index.inventory.hostVolumes
    .filter((hv) => hv.arrayVolumeId !== null && lunIds.includes(hv.arrayVolumeId))
    .map((hv) => hv.id);
}

export function describeVolume(index: InventoryIndex, ref: VolumeRef): VolumeFacts {
  if (ref.kind === 'host-volume') {
    const volume = index.hostVolumesById.get(ref.id);
    const host = volume ? index.hostsById.get(volume.hostId) : undefined;
    return {
      ref,
      name: volume ? (host ? `${volume.name} on ${host.name}` : volume.name) : ref.id,
      uniqueName: volume ? (host ? `${host.name} ${volume.name}` : volume.name) : ref.id,
      consistencyGroupName: null,
      vmIds: index.vmIdsByHostVolume.get(ref.id) ?? [],
      hostVolumeIds: [ref.id],
      arrayVolumeIds: volume?.arrayVolumeId ? [volume.arrayVolumeId] : [],
    };
  }
  // A LUN in a consistency group was snapshotted with the group's other LUNs: the revert brings
  // back the whole group, so a VM whose disks span those LUNs comes back whole, not half reverted.
  const volume = index.arrayVolumesById.get(ref.id);
  const groupId = volume?.consistencyGroupId ?? null;
  const lunIds = groupId
    ? index.inventory.arrayVolumes.filter((lun) => lun.consistencyGroupId === groupId).map((lun) => lun.id)
    : [ref.id];
  const lunNames = lunIds.map((id) => index.arrayVolumesById.get(id)?.name ?? id);
  const group = groupId ? index.consistencyGroupsById.get(groupId) : undefined;
  const arrayName = volume ? index.arraysById.get(volume.arrayId)?.name : undefined;
  const vmIds = vmIdsOnLuns(index, lunIds);
  const lunList = joinNames(lunNames);
  return {
    ref,
    name: group ? `consistency group ${group.name} (${lunList})` : (volume?.name ?? ref.id),
    uniqueName: arrayName ? `${arrayName} ${lunNames.join(' + ')}` : lunNames.join(' + '),
    consistencyGroupName: group?.name ?? null,
    vmIds,
    hostVolumeIds: hostVolumeIdsOnLuns(index, lunIds),
    arrayVolumeIds: lunIds,
  };
}

export function resolveSubject(
  index: InventoryIndex,
  point: RestorePointSummary,
  request: RestorePlanRequest,
  context: RestorePlanContext,
): RestoreSubject {
  const { mode } = request;
  const vm = index.vmsById.get(point.vmId);
  const vmName = vm?.name ?? point.vmName;
  const newVmName = request.newVmName?.trim() || null;
  const isCopyOutInPlace = isCopyBackInPlace(request);
  const volumeRef = mode === 'volume-revert' || mode === 'staged' ? volumeOfPoint(point) : null;
  const volume = volumeRef ? describeVolume(index, volumeRef) : null;
  const siblingPoints =
    volume && point.snapshotId
      ? context.pointsOnSameScope.filter(
          (other) =>
            other.id !== point.id &&
            other.snapshotId === point.snapshotId &&
            volume.vmIds.includes(other.vmId),
        )
      : [];
  return {
    index,
    point,
    request,
    mode,
    vm,
    vmName,
    methods: [point.method],
    pointRef: { kind: 'restore-point', id: point.id, name: `${vmName} @ ${point.createdAt.toISOString()}` },
    newVmName,
    isCopyOutInPlace,
    replacesVm: mode === 'in-place' || mode === 'snapshot-revert' || isCopyOutInPlace,
    volume,
    capturePointIds: [point.id, ...siblingPoints.map((other) => other.id)],
    siblingPoints,
  };
}
