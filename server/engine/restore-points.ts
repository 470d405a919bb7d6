/**
 * Restore points as the engine sees them, and which restore modes each one allows (docs/domain.md §8).
 */
import type { InventoryIndex } from './inventory';
import { RESTORE_MODES, type RestoreMode } from './plan-types';
import type { BackupMethod, CaptureState, Consistency } from './types';
import { goneWords, METHOD_IN_SENTENCE, METHOD_LABELS } from './words';

export interface RestorePointSummary {
  id: string;
  vmId: string;
  /** The VM's name when captured (the VM may since have been renamed or removed). */
  vmName: string;
  method: BackupMethod;
  /** The consistency actually achieved. */
  consistency: Consistency;
  /** Why it is what it is, e.g. "fallback: guest freeze timed out after 60 s"; null when as planned. */
  consistencyReason: string | null;
  captureState: CaptureState;
  createdAt: Date;
  hostVolumeId: string | null;
  arrayVolumeId: string | null;
  /** The snapshot the point was copied from: points sharing it were captured together (one volume snapshot). */
  snapshotId: string | null;
  heldDiskIds: string[];
  /** Disks the method could not hold (pass-through). */
  missingDiskIds: string[];
  sizeBytes: number;
  jobId: string | null;
  expiresAt: Date | null;
  /**
   * Where its data is; absent or null: copied into the repository. `array-snapshot`: copied into the
   * repository and its array snapshot kept on the array too (a backup that kept it).
   */
  location?: PointLocation | null;
  /** Its data vanished outside Migawka (a pool snapshot deleted on the pool): why, in words. */
  goneReason?: string | null;
}

/** A point whose data is a snapshot kept on the VM's XenServer pool, not a copy in the repository. */
export interface PoolSnapshotLocation {
  kind: 'pool-snapshot';
  /** The snapshot VM's id (`xen:<uuid>`). */
  snapshotId: string;
  /** Its name on the pool. */
  name: string;
  /** A memory checkpoint: the revert leaves the VM suspended on its RAM, and it is resumed. */
  includesMemory?: boolean;
}

/**
 * An array-snapshot point whose disks were copied into the repository and whose array snapshot the
 * backup kept on the array (not released): a volume revert or a staged restore (FlexClone) needs it.
 */
export interface ArraySnapshotLocation {
  kind: 'array-snapshot';
  /** The snapshot's id on the array (ONTAP snapshot uuid, EqualLogic snapshot name, lab id). */
  snapshotId: string;
  /** Its name on the array. */
  name: string;
}

export type PointLocation = PoolSnapshotLocation | ArraySnapshotLocation;

export function isPoolSnapshotPoint(point: Pick<RestorePointSummary, 'location'>): boolean {
  return point.location?.kind === 'pool-snapshot';
}

/** Whether the point's array snapshot is still kept on the array (so the array can revert or clone it). */
export function isArraySnapshotKept(point: Pick<RestorePointSummary, 'location'>): boolean {
  return point.location?.kind === 'array-snapshot';
}

export interface RestoreModeOption {
  mode: RestoreMode;
  isAvailable: boolean;
  /** Why the mode is not offered (null when available). */
  reason: string | null;
  /** What the mode does with this point, in the operator's words. */
  description: string;
}

/**
 * What each mode does with this point. A whole-volume point (WSB, array snapshot) restored as a new
 * VM copies only this VM's disks out of the volume capture: it is not a volume restore, and the
 * volume and its other VMs are not touched.
 */
export function describeRestoreMode(point: RestorePointSummary, mode: RestoreMode): string {
  const isVolumePoint = VOLUME_METHODS.has(point.method);
  switch (mode) {
    case 'as-new':
      return isVolumePoint
        ? `Copies only ${point.vmName}'s disks out of the whole-volume capture into a new VM; the volume and the other VMs on it are not touched.`
        : point.location?.kind === 'pool-snapshot'
          ? `The pool copies ${point.location.includesMemory ? 'memory checkpoint' : 'snapshot'} "${point.location.name}" into a new VM (full copies of its disks); nothing existing is touched: ${point.vmName} and the snapshot stay as they are.`
          : `Creates a new VM from the point next to ${point.vmName}; nothing existing is touched.`;
    case 'staged':
      return `Restores the whole volume to a scratch area and copies out only ${point.vmName}; the other VMs on the volume are not touched.`;
    case 'in-place':
      return `Overwrites ${point.vmName} with the point; ${point.vmName} must be powered off.`;
    case 'snapshot-revert':
      if (point.location?.kind !== 'pool-snapshot')
        return `Discards everything ${point.vmName} did since the point.`;
      return point.location.includesMemory
        ? `Reverts ${point.vmName} to its memory checkpoint "${point.location.name}" kept on the pool: everything ${point.vmName} did since is discarded; the revert leaves it suspended on the checkpoint's memory, and it is then resumed, running again as it was at the checkpoint.`
        : `Reverts ${point.vmName} to its snapshot "${point.location.name}" kept on the pool: everything ${point.vmName} did since is discarded, then it is powered as it was before the revert.`;
    case 'volume-revert':
      return 'Rolls back every VM on the volume (the whole consistency group for a LUN in one) to the point.';
  }
}

const VM_LEVEL_METHODS: ReadonlySet<BackupMethod> = new Set([
  'hyperv-vss',
  'guest-agent',
  'xen-snapshot',
  'xen-quiesced',
]);
const XEN_METHODS: ReadonlySet<BackupMethod> = new Set(['xen-snapshot', 'xen-quiesced']);
const VOLUME_METHODS: ReadonlySet<BackupMethod> = new Set(['wsb-volume', 'array-snapshot']);

/**
 * A point is **partial** when it does not hold every disk its VM had when it was captured: the
 * backup plan records the disks its method could not hold (pass-through disks under host-level
 * methods, a disk on a LUN the array snapshot did not take) as missing. The catalog step stores
 * this verdict with the point, so every view (lists, drawer, timeline, protection) reads the same one.
 */
export function isPartialPoint(point: Pick<RestorePointSummary, 'missingDiskIds'>): boolean {
  return point.missingDiskIds.length > 0;
}

/**
 * "holds 1 of 2 disks of fs-01; not held: fs-01 data (physical disk)", naming the disks only when
 * `nameOfDisk` can (lists know ids only, and operators read names); null for a complete point.
 */
export function describePartialPoint(
  point: Pick<RestorePointSummary, 'vmName' | 'heldDiskIds' | 'missingDiskIds'>,
  nameOfDisk?: (diskId: string) => string,
): string | null {
  if (!isPartialPoint(point)) return null;
  const total = point.heldDiskIds.length + point.missingDiskIds.length;
  const holds = `holds ${point.heldDiskIds.length} of ${total} disks of ${point.vmName}`;
  return nameOfDisk ? `${holds}; not held: ${point.missingDiskIds.map(nameOfDisk).join(', ')}` : holds;
}

export function isVolumeLevelMethod(method: BackupMethod): boolean {
  return VOLUME_METHODS.has(method);
}

/** The volume a volume-level point reverts: the host volume for WSB, the LUN for array snapshots. */
export function volumeOfPoint(
  point: RestorePointSummary,
): { kind: 'host-volume'; id: string } | { kind: 'array-volume'; id: string } | null {
  if (point.method === 'wsb-volume' && point.hostVolumeId)
    return { kind: 'host-volume', id: point.hostVolumeId };
  if (point.method === 'array-snapshot' && point.arrayVolumeId) {
    return { kind: 'array-volume', id: point.arrayVolumeId };
  }
  return null;
}

/**
 * The points of other VMs whose whole-volume revert needs this point: they were captured in the
 * same volume snapshot, and a revert rolls back every VM on the volume, so it refuses to run once
 * one of those VMs has no data in the capture (restore-stages/blast-radius.ts). Deleting this
 * point breaks their volume reverts; oldest first, then by VM name.
 */
export function volumeRevertsNeedingPoint(
  point: RestorePointSummary,
  pointsOnSameScope: readonly RestorePointSummary[],
): RestorePointSummary[] {
  const volume = volumeOfPoint(point);
  if (!volume || point.snapshotId === null) return [];
  return pointsOnSameScope
    .filter((other) => {
      const otherVolume = volumeOfPoint(other);
      return (
        other.id !== point.id &&
        other.vmId !== point.vmId &&
        other.snapshotId === point.snapshotId &&
        otherVolume?.kind === volume.kind &&
        otherVolume.id === volume.id
      );
    })
    .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.vmName.localeCompare(b.vmName));
}

function describeVolumeMissing(point: RestorePointSummary, index: InventoryIndex): string | null {
  const volume = volumeOfPoint(point);
  if (!volume) return `The point does not record which volume it was captured from`;
  const exists =
    volume.kind === 'host-volume'
      ? index.hostVolumesById.has(volume.id)
      : index.arrayVolumesById.has(volume.id);
  return exists
    ? null
    : `The ${volume.kind === 'host-volume' ? 'host volume' : 'array volume'} this point was captured from no longer exists`;
}

function reasonModeUnavailable(
  point: RestorePointSummary,
  mode: RestoreMode,
  index: InventoryIndex,
): string | null {
  const vm = index.vmsById.get(point.vmId);
  // A VM its host no longer lists is kept in the inventory, but there is nothing left to overwrite.
  const vmExists = vm !== undefined && !vm.goneSince;
  const vmGone = vm?.goneSince
    ? `${goneWords(point.vmName, index.hostsById.get(vm.hostId)?.name ?? vm.hostId, vm.goneSince)}; restore it as a new VM`
    : `VM ${point.vmName} no longer exists; restore it as a new VM`;
  const onPool =
    point.location?.kind === 'pool-snapshot'
      ? `The point is snapshot "${point.location.name}" kept on ${point.vmName}'s pool, with no copy in the repository; revert ${point.vmName} to it (snapshot revert) or restore it as a new VM from the snapshot`
      : null;
  switch (mode) {
    case 'as-new':
      // From the pool, the pool copies the snapshot itself: it needs neither the VM nor a repository copy.
      return null;
    case 'in-place':
      if (onPool) return onPool;
      if (!VM_LEVEL_METHODS.has(point.method)) {
        const instead =
          point.method === 'array-snapshot' && !isArraySnapshotKept(point)
            ? `restore ${point.vmName} as a new VM from the copy`
            : `use a staged restore to bring back just ${point.vmName}`;
        return `Points taken by ${METHOD_IN_SENTENCE[point.method]} restore whole volumes only; ${instead}`;
      }
      return vmExists ? null : vmGone;
    case 'snapshot-revert':
      if (!XEN_METHODS.has(point.method))
        return 'Only XenServer snapshot points can be reverted as a snapshot';
      // A backup's snapshot is released once copied: only a snapshot still on the pool is one to revert to.
      if (!isPoolSnapshotPoint(point))
        return `The snapshot of this point was released once copied into the repository; restore ${point.vmName} in place instead`;
      if (vmExists) return null;
      // xapi keeps the snapshots of a deleted VM; reverting needs the VM itself, copying does not.
      return `${vmGone.replace(/; restore it as a new VM$/, '')}: a revert needs the VM, and there is none to revert; restore it as a new VM from the snapshot "${point.location?.name}" instead`;
    case 'volume-revert':
    case 'staged':
      if (!VOLUME_METHODS.has(point.method)) {
        return `Only Windows Server Backup and array snapshot points hold a whole volume; this is a ${METHOD_LABELS[point.method]} point`;
      }
      // Both work on the array snapshot itself (revert to it, clone it): once released, only the copy is left.
      if (point.method === 'array-snapshot' && !isArraySnapshotKept(point)) {
        return `The array snapshot of this point was released once its disks were copied into the repository; restore ${point.vmName} as a new VM from the copy`;
      }
      if (mode === 'volume-revert') return describeVolumeMissing(point, index);
      return null;
  }
}

/** Every restore mode, in RESTORE_MODES order, with whether this point allows it and why not. */
export function listRestoreModes(point: RestorePointSummary, index: InventoryIndex): RestoreModeOption[] {
  return RESTORE_MODES.map((mode) => {
    const reason = point.goneReason
      ? `The point's data is gone: ${point.goneReason}`
      : point.heldDiskIds.length === 0
        ? `The point holds no disk data for ${point.vmName}`
        : reasonModeUnavailable(point, mode, index);
    return { mode, isAvailable: reason === null, reason, description: describeRestoreMode(point, mode) };
  });
}
