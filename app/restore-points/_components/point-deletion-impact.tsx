'use client';

import { pluralize } from '@/app/_lib/format';
import { formatDateTime } from '@/app/_lib/restore-format';
import type { RouterOutputs } from '@/app/_lib/trpc';

type PointDeletion = RouterOutputs['restorePoints']['get']['deletion'];

/**
 * What deleting a point loses and breaks, read before its name is typed: its data, the array
 * snapshot it may take along, whether the VM is left unprotected, and the other VMs' whole-volume
 * reverts it breaks. The point's own delete dialog and the retry of a failed deletion show the same.
 */
export function PointDeletionImpact({
  point,
  deletion,
}: {
  point: { vmName: string; createdAt: Date };
  deletion: PointDeletion;
}) {
  return (
    <>
      <p>
        The stored data of the {formatDateTime(point.createdAt)} point of {point.vmName} is deleted; it cannot
        be restored from afterwards.
      </p>
      {deletion.arraySnapshotWords ? (
        <p className={`mt-2 ${deletion.arraySnapshot?.isDestroyed ? 'font-semibold text-danger' : ''}`}>
          The delete {deletion.arraySnapshotWords}.
        </p>
      ) : null}
      {deletion.isOnlyPointOfVm ? (
        <p className="mt-2 font-semibold text-danger">
          This is the only restore point of {point.vmName}: after deleting it, the VM is unprotected.
        </p>
      ) : null}
      {deletion.brokenVolumeReverts.length > 0 ? (
        <div className="mt-2 text-danger">
          <p className="font-semibold">
            It breaks the whole-volume revert of {pluralize(deletion.brokenVolumeReverts.length, 'other VM')}{' '}
            captured with it:
          </p>
          <ul aria-label="Volume reverts this deletion breaks" className="mt-1 list-disc pl-5">
            {deletion.brokenVolumeReverts.map((broken) => (
              <li key={broken.restorePointId}>
                {broken.vmName} (its {formatDateTime(broken.createdAt)} point)
              </li>
            ))}
          </ul>
          <p className="mt-1">
            A revert rolls back every VM on the volume, so it refuses to run without {point.vmName}
            &apos;s data; their staged and as-new restores still work.
          </p>
        </div>
      ) : null}
    </>
  );
}
