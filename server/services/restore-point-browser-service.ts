/**
 * The restore-point browser (issue 4 §3): the catalogue filtered by VM, host, method,
 * consistency and date range, sorted newest or oldest first, keyset-paged in SQL. Every filter
 * has a (filter, created_at, id) index (db/schema-operations.ts), which SQLite walks forwards or
 * backwards, so both orders cost the same on page 1 and page 20,000 of a million points.
 *
 * Also answers what a deletion would mean for the VM (is it its only point?), so the
 * confirmation can say so before anything is deleted.
 */
import type { Page, Stores } from '../../db/stores/ports';
import type { PointDeletionImpact, RestorePointBrowseItem } from '../../db/stores/ports/restore-point-store';
import {
  type ArraySnapshotDeletion,
  arraySnapshotDeletionWords,
  describeArraySnapshotDeletion,
} from '../engine/kept-snapshots';
import { isVolumeLevelMethod, volumeRevertsNeedingPoint } from '../engine/restore-points';
import { type RestorePointBrowseQueryInput, restorePointBrowseQueryInput } from '../schemas/restore-points';
import { pointNotFound } from './errors';
import { parseInput } from './parse-input';
import { pointSummaryOf } from './plans';
import { pointDeleteConfirmation } from './point-delete-confirmation';

export type { PointDeletionImpact, RestorePointBrowseItem } from '../../db/stores/ports/restore-point-store';

export {
  type RestorePointBrowseQueryInput,
  restorePointBrowseQueryInput,
} from '../schemas/restore-points';
export { RESTORE_POINT_SORTS, type RestorePointSort } from '../schemas/wizard';
export type RestorePointBrowsePage = Page<RestorePointBrowseItem>;

export async function browseRestorePoints(
  stores: Stores,
  input: RestorePointBrowseQueryInput = {},
): Promise<RestorePointBrowsePage> {
  return stores.restorePoints.browse(parseInput(restorePointBrowseQueryInput, input));
}

/** A whole-volume revert of another VM that needs the point's data (deleting it breaks the revert). */
export interface BrokenVolumeRevert {
  restorePointId: string;
  vmId: string;
  vmName: string;
  createdAt: Date;
}

export type PointDeletionPreview = PointDeletionImpact & {
  brokenVolumeReverts: BrokenVolumeRevert[];
  /** A point kept on the array: whether the delete destroys its array snapshot there; null otherwise. */
  arraySnapshot: ArraySnapshotDeletion | null;
  /** The same in words, for the confirmation; null for a point not kept on the array. */
  arraySnapshotWords: string | null;
  /** What the operator types to confirm the delete: "sql01 2026-12-05 10:00:03 UTC". */
  confirmationText: string;
};

/**
 * What deleting the point would leave behind, read before the confirmation is shown: whether it
 * is the VM's only point, and which other VMs' whole-volume reverts (from the same capture) it breaks.
 */
export async function describePointDeletion(stores: Stores, pointId: string): Promise<PointDeletionPreview> {
  const [impact, row] = await Promise.all([
    stores.restorePoints.deletionImpact(pointId),
    stores.restorePoints.get(pointId),
  ]);
  if (!impact || !row) throw pointNotFound();
  const point = pointSummaryOf(row);
  const sameScope = isVolumeLevelMethod(point.method)
    ? (await stores.restorePoints.pointsOnSameScope(row)).map(pointSummaryOf)
    : [];
  const arraySnapshot = row.snapshotId
    ? describeArraySnapshotDeletion(row, await stores.restorePoints.pointsOfSnapshot(row.snapshotId))
    : null;
  return {
    ...impact,
    confirmationText: await pointDeleteConfirmation(stores, row),
    arraySnapshot,
    arraySnapshotWords: arraySnapshot ? arraySnapshotDeletionWords(arraySnapshot) : null,
    brokenVolumeReverts: volumeRevertsNeedingPoint(point, sameScope).map((other) => ({
      restorePointId: other.id,
      vmId: other.vmId,
      vmName: other.vmName,
      createdAt: other.createdAt,
    })),
  };
}
