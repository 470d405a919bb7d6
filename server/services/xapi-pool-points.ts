/**
 * Snapshots kept on a XenServer pool, catalogued as restore points of their VMs (location
 * `pool-snapshot`). Every pool sync carries the watcher's whole view of the pool, so the snapshots it
 * lists are every snapshot there is: each becomes (or stays) a point, and a stored pool point the
 * view lacks was destroyed outside Migawka. It is marked gone with the sync's time and why, never
 * kept as restorable and never deleted silently (its history stays readable).
 *
 * Migawka's own in-flight snapshots ("migawka:<snapshotId>", released once copied) are not points of
 * their own: the backup that took them catalogues its repository copy.
 */
import type { Stores } from '../../db/stores/ports';
import type { PoolSnapshotPoint, PoolSnapshotsResult } from '../../db/stores/ports/restore-point-store';
import type { ServiceContext } from '../context';
import type { PoolSnapshot } from '../drivers/xapi/xapi-discovery';
import type { PoolSync } from '../drivers/xapi/xapi-live';
import type { CaptureState } from '../engine/types';

/** The label the connector gives the snapshots it takes and releases (xapi-hypervisor.ts). */
const MIGAWKA_SNAPSHOT_PREFIX = 'migawka:';

/** The catalogue id of a pool snapshot's point: stable across syncs, one per snapshot. */
export function poolPointId(snapshotId: string): string {
  return `pool-${snapshotId}`;
}

const CAPTURE_STATE_OF: Record<string, CaptureState> = {
  Running: 'online',
  Paused: 'online',
  Suspended: 'saved-state',
  Halted: 'offline',
};

function pointOf(snapshot: PoolSnapshot, vmName: string, takenAt: Date, poolName: string): PoolSnapshotPoint {
  const captureState = CAPTURE_STATE_OF[snapshot.powerStateAtSnapshot ?? ''] ?? 'online';
  // A snapshot of a VM that was off holds its disks as they rest: file-system consistent. A running
  // VM's is crash-consistent unless the guest quiesced it (VSS, on releases before 8.1).
  const consistency = snapshot.isQuiesced
    ? 'application'
    : captureState === 'offline'
      ? 'filesystem'
      : 'crash';
  return {
    snapshotRef: snapshot.id,
    snapshotName: snapshot.name,
    point: {
      id: poolPointId(snapshot.id),
      vmId: snapshot.vmId,
      vmName,
      operationId: null,
      jobId: null,
      method: snapshot.isQuiesced ? 'xen-quiesced' : 'xen-snapshot',
      consistency,
      consistencyReason: `a snapshot kept on pool ${poolName} ("${snapshot.name}"), taken outside Migawka`,
      captureState,
      applicationState: null,
      createdAt: takenAt,
      hostVolumeId: null,
      arrayVolumeId: null,
      snapshotId: snapshot.id,
      heldDisksJson: snapshot.sourceDiskIds,
      missingDisksJson: [],
      isPartial: false,
      sizeBytes: snapshot.sizeBytes,
      // Nothing of it is in the repository: verify and restore read the pool.
      repositoryPath: '',
    },
  };
}

/** The snapshots of the sync's view that are points: not Migawka's own, of a VM the view lists. */
export function poolSnapshotPoints(sync: PoolSync, now: Date): PoolSnapshotPoint[] {
  const names = new Map(sync.inventory.vms.map((vm) => [vm.id, vm.name]));
  return sync.facts.snapshots.flatMap((snapshot) => {
    const vmName = names.get(snapshot.vmId);
    if (vmName === undefined || snapshot.name.startsWith(MIGAWKA_SNAPSHOT_PREFIX)) return [];
    return [pointOf(snapshot, vmName, snapshot.takenAt ?? now, sync.facts.poolName)];
  });
}

/** Writes the pool's snapshots into the catalogue and marks gone those the pool no longer has. */
export async function recordPoolSnapshotPoints(
  stores: Pick<Stores, 'restorePoints'>,
  ctx: ServiceContext,
  sync: PoolSync,
): Promise<PoolSnapshotsResult> {
  const now = ctx.now();
  const result = await stores.restorePoints.recordPoolSnapshots({
    hostIds: sync.inventory.hosts.map((host) => host.id),
    snapshots: poolSnapshotPoints(sync, now),
    now,
    goneReason: `pool ${sync.facts.poolName} no longer lists this snapshot (sync at ${now.toISOString()}): it was deleted on the pool, outside Migawka`,
  });
  if (result.added.length > 0 || result.gone.length > 0) {
    ctx.log.info(
      {
        added: result.added.map((point) => `${point.vmName}: ${point.name}`),
        gone: result.gone.map((point) => `${point.vmName}: ${point.name}`),
      },
      'xapi pool sync: snapshots kept on the pool catalogued or gone',
    );
  }
  return result;
}
