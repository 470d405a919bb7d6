/**
 * Points whose array snapshot the backup kept on the array (location `array-snapshot`): one
 * snapshot holds every VM of its capture, so deleting a point deletes the snapshot on the array only
 * when no other point of the catalogue still keeps it (kept-snapshots.ts). The array driver's
 * release is the delete: a snapshot already gone on the array is fine.
 */
import type { RestorePointRecord } from '../../../db/stores/ports/restore-point-store';
import { arraySnapshotDeletionWords, describeArraySnapshotDeletion } from '../../engine/kept-snapshots';
import { describePoint } from '../../engine/point-plan';
import type { StepRun } from './context';

type PointStep = Pick<StepRun<'delete-point'>, 'stores' | 'drivers' | 'call' | 'log'>;

/** Deletes `row`'s kept array snapshot when `row` is the last point holding it; nothing for other points. */
export async function deleteKeptArraySnapshot(step: PointStep, row: RestorePointRecord): Promise<void> {
  if (row.locationKind !== 'array-snapshot' || !row.snapshotId) return;
  const deletion = describeArraySnapshotDeletion(
    row,
    await step.stores.restorePoints.pointsOfSnapshot(row.snapshotId),
  );
  if (!deletion) return;
  if (deletion.isDestroyed) {
    if (!row.arrayVolumeId)
      throw new Error(`${describePoint(row)} is kept on an array but names no array volume`);
    const array = await step.drivers.arrayForArrayVolume(row.arrayVolumeId);
    await array.releaseSnapshot(row.snapshotId, step.call);
  }
  step.log('info', `the point ${arraySnapshotDeletionWords(deletion)}`);
}
