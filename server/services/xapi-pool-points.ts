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
import { poolSnapshotConsistency } from '../engine/pool-checkpoints';
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

function pointOf(
  snapshot: PoolSnapshot & { vmId: string },
  vmName: string,
  takenAt: Date,
  poolName: string,
): PoolSnapshotPoint {
  const captureState = CAPTURE_STATE_OF[snapshot.powerStateAtSnapshot ?? ''] ?? 'online';
  const { consistency, reason } = poolSnapshotConsistency(
    snapshot,
    captureState,
    vmName,
    `kept on pool ${poolName}`,
  );
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
      consistencyReason: reason,
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
      includesMemory: snapshot.includesMemory,
      // Nothing of it is in the repository: verify and restore read the pool.
      repositoryPath: '',
    },
  };
}

const isOwnInFlight = (snapshot: PoolSnapshot) => snapshot.name.startsWith(MIGAWKA_SNAPSHOT_PREFIX);

/** The snapshots of the sync's view that are points: not Migawka's own, of a VM the view lists. */
export function poolSnapshotPoints(sync: PoolSync, now: Date): PoolSnapshotPoint[] {
  const names = new Map(sync.inventory.vms.map((vm) => [vm.id, vm.name]));
  return sync.facts.snapshots.flatMap((snapshot) => {
    const vmName = snapshot.vmId === null ? undefined : names.get(snapshot.vmId);
    if (vmName === undefined || snapshot.vmId === null || isOwnInFlight(snapshot)) return [];
    return [
      pointOf({ ...snapshot, vmId: snapshot.vmId }, vmName, snapshot.takenAt ?? now, sync.facts.poolName),
    ];
  });
}

/**
 * Snapshots the pool still lists whose VM it no longer has: xapi keeps the snapshots of a deleted
 * VM. Their stored points stay restorable and deletable (not gone), with the reason in words; a
 * snapshot first seen after its VM went is not catalogued (the point would have no VM to name).
 */
export function orphanSnapshotNotes(sync: PoolSync, now: Date): { pointId: string; note: string }[] {
  const listed = new Set(sync.inventory.vms.map((vm) => vm.id));
  return sync.facts.snapshots
    .filter((snapshot) => (snapshot.vmId === null || !listed.has(snapshot.vmId)) && !isOwnInFlight(snapshot))
    .map((snapshot) => ({
      pointId: poolPointId(snapshot.id),
      note: `its VM was deleted on pool ${sync.facts.poolName} (sync at ${now.toISOString()}); xapi keeps its snapshots, so "${snapshot.name}" is still there to restore from or delete`,
    }));
}

/**
 * Writes the pool's snapshots into the catalogue, marks gone those the pool no longer has, and brings
 * back those it lists again (a view read before a snapshot was taken marked it gone: the next lists it).
 */
export async function recordPoolSnapshotPoints(
  stores: Pick<Stores, 'restorePoints'>,
  ctx: ServiceContext,
  sync: PoolSync,
): Promise<PoolSnapshotsResult> {
  const now = ctx.now();
  const result = await stores.restorePoints.recordPoolSnapshots({
    hostIds: sync.inventory.hosts.map((host) => host.id),
    snapshots: poolSnapshotPoints(sync, now),
    orphans: orphanSnapshotNotes(sync, now),
    now,
    goneReason: `pool ${sync.facts.poolName} no longer lists this snapshot (sync at ${now.toISOString()}): it was deleted on the pool, outside Migawka`,
  });
  if (result.added.length > 0 || result.gone.length > 0 || result.reappeared.length > 0) {
    const named = (points: PoolSnapshotsResult['added']) =>
      points.map((point) => `${point.vmName}: ${point.name}`);
    ctx.log.info(
      { added: named(result.added), gone: named(result.gone), reappeared: named(result.reappeared) },
      'xapi pool sync: snapshots kept on the pool catalogued, gone or listed again',
    );
  }
  return result;
}
