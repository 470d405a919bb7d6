/**
 * Array snapshots a backup keeps on the array (the job's "keep the array snapshot on the array"):
 * one snapshot of a LUN holds every VM on it, so one kept snapshot is shared by the points of all
 * the VMs it captured (location `array-snapshot`, the same `snapshotId`). Two rules follow:
 *
 * - The capture's release step stays in the plan as a cleanup (backup-stages/steps.ts): it keeps
 *   the snapshot once a point of the capture is catalogued as kept (the point owns it now), and
 *   releases it otherwise, so a capture that fails or is cancelled before any point holds the
 *   snapshot never leaves it behind on the array.
 * - Deleting a kept point (retention, an operator's delete, a revert's discard) deletes the array
 *   snapshot only with the last point that holds it; the others still revert and stage from it.
 */

/** The fields of a stored point these rules read. */
export interface KeptPointFacts {
  id: string;
  vmName: string;
  snapshotId: string | null;
  /** `array-snapshot` for a point kept on the array. */
  locationKind: string;
  /** Its name on the array. */
  locationName?: string | null;
}

export type KeptReleaseDecision = { action: 'keep'; reason: string } | { action: 'release'; reason: string };

/**
 * What the release step of a capture that keeps its array snapshot does: `keptForPointIds` are the
 * capture's points (plan), `catalogued` the points of the catalogue that exist now.
 */
export function decideKeptSnapshotRelease(
  keptForPointIds: readonly string[],
  catalogued: readonly Pick<KeptPointFacts, 'id' | 'locationKind'>[],
): KeptReleaseDecision {
  const wanted = new Set(keptForPointIds);
  const holders = catalogued.filter(
    (point) => wanted.has(point.id) && point.locationKind === 'array-snapshot',
  );
  if (holders.length > 0) {
    return {
      action: 'keep',
      reason: `kept on the array for ${holders.length} catalogued point${holders.length === 1 ? '' : 's'}; retention deletes it with the last of them`,
    };
  }
  return {
    action: 'release',
    reason:
      'no point of the capture was catalogued (the run failed or was cancelled): the snapshot is released',
  };
}

export function isKeptOnArray(point: Pick<KeptPointFacts, 'locationKind' | 'snapshotId'>): boolean {
  return point.locationKind === 'array-snapshot' && point.snapshotId !== null;
}

/** The other points that still hold `point`'s kept array snapshot (same capture, kept too). */
export function otherHoldersOf<P extends KeptPointFacts>(
  point: KeptPointFacts,
  candidates: readonly P[],
): P[] {
  if (!isKeptOnArray(point)) return [];
  return candidates.filter(
    (other) => other.id !== point.id && isKeptOnArray(other) && other.snapshotId === point.snapshotId,
  );
}

/** What deleting a point does to its kept array snapshot; null for a point not kept on the array. */
export interface ArraySnapshotDeletion {
  /** The snapshot's name on the array. */
  name: string;
  /** True when this is the last point holding it: the delete destroys the snapshot on the array. */
  isDestroyed: boolean;
  /** The VMs whose points keep it when it stays. */
  keptByVmNames: string[];
}

export function describeArraySnapshotDeletion(
  point: KeptPointFacts,
  candidates: readonly KeptPointFacts[],
): ArraySnapshotDeletion | null {
  if (!isKeptOnArray(point)) return null;
  const others = otherHoldersOf(point, candidates);
  return {
    name: point.locationName ?? point.snapshotId ?? point.id,
    isDestroyed: others.length === 0,
    keptByVmNames: [...new Set(others.map((other) => other.vmName))].sort(),
  };
}

/** The deletion in words, for a delete step's title and the confirmation. */
export function arraySnapshotDeletionWords(deletion: ArraySnapshotDeletion): string {
  return deletion.isDestroyed
    ? `destroys array snapshot "${deletion.name}" on the array (no other point holds it)`
    : `keeps array snapshot "${deletion.name}" on the array for the points of ${deletion.keptByVmNames.join(', ')}`;
}
