/**
 * Plans of an operator's verify or delete of one stored restore point. They run as operations
 * through the runner like any backup or restore (leases, events, who asked, cancel), not inside
 * the request that asked for them: re-hashing a large point takes as long as reading it.
 *
 * Both lock the point (`point:<id>`), and so does every restore that reads or discards it
 * (restore-plan.ts): admission, inside the claim transaction, never runs a delete of a point beside
 * a restore from it. Whichever of the two was queued second waits for the first to finish.
 */
import { type ArraySnapshotDeletion, arraySnapshotDeletionWords } from './kept-snapshots';
import { lockKeyForKeptSnapshot, lockKeyForPoint, type PointPlan } from './plan-types';
import { makeStep } from './step-params';
import type { PointLocationKind } from './types';

/** What a point plan needs to know about the point. */
export interface PointSubject {
  id: string;
  vmId: string;
  vmName: string;
  createdAt: Date;
  /** `pool-snapshot`: the VM's pool does the work, so the plan takes its host's slot. */
  locationKind?: PointLocationKind;
  hostId?: string | null;
  /** pool-snapshot: its name on the pool, the VM disks it holds, and whether it holds the RAM too. */
  locationName?: string | null;
  heldDisksJson?: string[];
  includesMemory?: boolean;
  /** The capture's snapshot: an `array-snapshot` point shares it with the capture's other points. */
  snapshotId?: string | null;
}

/**
 * What deleting a point kept on the pool destroys there: "snapshot "sql01 nightly" on the pool with
 * its 2 disks and its memory image"; null for a point in the repository.
 */
export function describePoolDestruction(point: PointSubject): string | null {
  if (point.locationKind !== 'pool-snapshot') return null;
  const disks = point.heldDisksJson?.length ?? 0;
  const what = `${point.includesMemory ? 'memory checkpoint' : 'snapshot'} "${point.locationName ?? point.id}"`;
  const parts = [
    `its ${disks} disk${disks === 1 ? '' : 's'}`,
    ...(point.includesMemory ? ['its memory image'] : []),
  ];
  return `destroys ${what} on the pool with ${parts.join(' and ')}`;
}

/** "the 2026-03-01 10:00 UTC point of sql01": how operators tell points apart. */
export function describePoint(point: Pick<PointSubject, 'vmName'> & { createdAt: Date | string }): string {
  return `the ${pointTimeOf(point.createdAt)} point of ${point.vmName}`;
}

/** When a point was taken, as operators read it beside its VM: "2026-03-01 10:05 UTC". */
export function pointTimeOf(createdAt: Date | string): string {
  return `${new Date(createdAt).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

function pointPlan(kind: PointPlan['kind'], point: PointSubject, steps: PointPlan['steps']): PointPlan {
  return {
    kind,
    restorePointId: point.id,
    vmId: point.vmId,
    vmName: point.vmName,
    pointCreatedAt: point.createdAt.toISOString(),
    steps,
    findings: [],
    isRunnable: true,
    blockedReasons: [],
    lockKeys: [
      lockKeyForPoint(point.id),
      ...(kind === 'delete-point' && point.locationKind === 'array-snapshot' && point.snapshotId
        ? [lockKeyForKeptSnapshot(point.snapshotId)]
        : []),
    ],
    // The repository, not a host or an array, does the work: no host or array slot is taken;
    // except for a snapshot kept on a pool, which the pool reads or destroys through the VM's host.
    hostIds: point.locationKind === 'pool-snapshot' && point.hostId ? [point.hostId] : [],
    arrayIds: [],
  };
}

/** Re-hash the point's stored data against its manifest; the verdict is recorded on the point. */
export function planPointVerify(point: PointSubject): PointPlan {
  return pointPlan('verify-point', point, [
    makeStep({
      key: 'verify-point',
      kind: 'verify-point',
      title: `Verify the stored data of ${describePoint(point)}`,
      vmId: point.vmId,
      hostVolumeId: null,
      arrayVolumeId: null,
      undoes: null,
      params: { restorePointIds: [point.id] },
    }),
  ]);
}

/**
 * Delete the point's stored data, then its catalogue row; `requestedBy` is written as the reason.
 * `arraySnapshot`: what the delete does to the array snapshot the point keeps on the array (named in
 * the step's title; the step decides again when it runs, from the points still holding it then).
 */
export function planPointDelete(
  point: PointSubject,
  requestedBy: string,
  arraySnapshot: ArraySnapshotDeletion | null = null,
): PointPlan {
  const destruction = arraySnapshot
    ? arraySnapshotDeletionWords(arraySnapshot)
    : describePoolDestruction(point);
  return pointPlan('delete-point', point, [
    makeStep({
      key: 'delete-point',
      kind: 'delete-point',
      title: [`Delete ${describePoint(point)}`, destruction].filter(Boolean).join(': '),
      vmId: point.vmId,
      hostVolumeId: null,
      arrayVolumeId: null,
      undoes: null,
      params: { restorePointId: point.id, reason: `deleted by ${requestedBy}` },
    }),
  ]);
}
