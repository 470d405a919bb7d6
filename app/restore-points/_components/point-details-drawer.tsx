'use client';

import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { Dialog } from 'radix-ui';
import { Can } from '@/app/_components/account/can';
import { ErrorState, LoadingState } from '@/app/_components/query-state';
import { Badge } from '@/app/_components/ui/badge';
import { Button } from '@/app/_components/ui/button';
import { CAPTURE_STATE_LABELS, consistencyLabel, formatBytes, METHOD_LABELS } from '@/app/_lib/format';
import {
  CONSISTENCY_TONES,
  formatDateTime,
  RESTORE_MODE_LABELS,
  VERDICT_TONES,
} from '@/app/_lib/restore-format';
import { useTRPC } from '@/app/_lib/trpc';
import { ConfirmDialog } from '@/app/operations/_components/confirm-dialog';
import { POINT_DELETE_TYPED_NAME } from '@/server/engine/point-delete-confirmation';
import type { DiskChangeTracking } from '@/server/engine/types';
import { APPLICATION_STATE_WORDS } from '@/server/engine/words';
import { PointDeletionImpact } from './point-deletion-impact';
import { usePointOperations } from './use-point-operations';

/** A side sheet (Radix dialog: focus trapped, Escape closes, focus returns to the row's button). */
export function PointDetailsDrawer({ pointId, onClose }: { pointId: string | null; onClose: () => void }) {
  return (
    <Dialog.Root open={pointId !== null} onOpenChange={(isOpen) => (isOpen ? undefined : onClose())}>
      <Dialog.Portal>
        <Dialog.Overlay className="fixed inset-0 z-40 bg-slate-900/30" />
        <Dialog.Content className="fixed inset-y-0 right-0 z-50 flex w-[min(34rem,95vw)] flex-col overflow-y-auto border-l border-line bg-surface p-6 shadow-xl focus:outline-none">
          {pointId ? <PointDetails pointId={pointId} onDeleted={onClose} /> : null}
          <Dialog.Close asChild>
            <Button variant="ghost" className="absolute right-3 top-3" aria-label="Close details">
              ✕
            </Button>
          </Dialog.Close>
        </Dialog.Content>
      </Dialog.Portal>
    </Dialog.Root>
  );
}

function PointDetails({ pointId, onDeleted }: { pointId: string; onDeleted: () => void }) {
  const trpc = useTRPC();
  const detail = useQuery(trpc.restorePoints.get.queryOptions({ id: pointId }));
  const points = usePointOperations();
  const isVerifying = points.isVerifying(pointId);
  const isDeleting = points.isDeleting(pointId);

  if (detail.isPending) {
    return (
      <>
        <Dialog.Title className="text-lg font-semibold">Restore point</Dialog.Title>
        <LoadingState label="Loading the point…" />
      </>
    );
  }
  if (detail.isError) {
    return (
      <>
        <Dialog.Title className="text-lg font-semibold">Restore point</Dialog.Title>
        <ErrorState error={detail.error} title="Could not load this point" />
      </>
    );
  }
  const { point, files, verifications, restoreModes, deletion, diskNames, partial } = detail.data;
  const heldBytes = new Map(files.map((file) => [file.diskId, file.bytes]));
  return (
    <div className="flex flex-col gap-5 text-sm">
      <div>
        <Dialog.Title className="text-lg font-semibold">
          {point.vmName} · {formatDateTime(point.createdAt)}
        </Dialog.Title>
        <Dialog.Description className="text-fg-muted">
          {METHOD_LABELS[point.method]} · {CAPTURE_STATE_LABELS[point.captureState]} ·{' '}
          {formatBytes(point.sizeBytes)}
        </Dialog.Description>
      </div>

      {point.locationKind === 'pool-snapshot' ? (
        <section aria-labelledby="point-location">
          <h3 id="point-location" className="mb-1 font-semibold">
            Kept on the pool
          </h3>
          <p className="text-fg-soft">
            {point.includesMemory ? 'Memory checkpoint' : 'Snapshot'} "{point.locationName}" of {point.vmName}{' '}
            on its XenServer pool, not a copy in the repository: verify reads it on the pool, delete destroys
            it and its disks{point.includesMemory ? ' and its memory image' : ''} there, and a restore reverts
            the VM to it{point.includesMemory ? ', then resumes it running as it was' : ''}.
          </p>
          {point.locationNote ? <p>{point.locationNote}</p> : null}
          {point.goneSince ? (
            <p>
              <Badge tone="danger">gone</Badge> since {formatDateTime(point.goneSince)}: {point.goneReason}
            </p>
          ) : null}
        </section>
      ) : null}

      {point.locationKind === 'array-snapshot' ? (
        <section aria-labelledby="point-location">
          <h3 id="point-location" className="mb-1 font-semibold">
            Kept on the array
          </h3>
          <p className="text-fg-soft">
            Copied into the repository, and array snapshot "{point.locationName}" is kept on the array too:
            the point offers a volume revert and a staged restore from it. The job&apos;s retention (or a
            delete) destroys the snapshot with the last point of its capture.
          </p>
        </section>
      ) : null}

      <section aria-labelledby="point-consistency">
        <h3 id="point-consistency" className="mb-1 font-semibold">
          Consistency
        </h3>
        <Badge tone={CONSISTENCY_TONES[point.consistency]}>
          {consistencyLabel(point.consistency, point.captureState)}
        </Badge>
        <p className="mt-1 text-fg-soft">
          {point.consistencyReason ?? 'As planned: the method reached the consistency it aims for.'}
        </p>
        {point.applicationState ? (
          <p className="text-fg-muted">
            Application check of the captured files: {APPLICATION_STATE_WORDS[point.applicationState]}.
          </p>
        ) : null}
      </section>

      <section aria-labelledby="point-disks">
        <h3 id="point-disks" className="mb-1 font-semibold">
          Disks
        </h3>
        {partial ? (
          <p className="mb-1 text-warning">
            <Badge tone="warning">partial</Badge> This point {partial}: a restore from it does not bring{' '}
            {point.missingDiskIds.length === 1 ? 'that disk' : 'those disks'} back.
          </p>
        ) : null}
        <ul className="flex flex-col gap-1">
          {point.heldDiskIds.map((diskId) => (
            <li key={diskId}>
              <Badge tone="success">held</Badge> {diskNames[diskId] ?? diskId}
              {heldBytes.has(diskId) ? ` (${formatBytes(heldBytes.get(diskId))})` : ''}
              <ChangeTrackingLine tracking={point.changeTracking?.find((disk) => disk.diskId === diskId)} />
            </li>
          ))}
          {point.missingDiskIds.map((diskId) => (
            <li key={diskId}>
              <Badge tone="danger">not held</Badge> {diskNames[diskId] ?? diskId} — the method could not
              capture it
            </li>
          ))}
        </ul>
      </section>

      <section aria-labelledby="point-modes">
        <h3 id="point-modes" className="mb-1 font-semibold">
          Restore modes
        </h3>
        <ul className="flex flex-col gap-1">
          {restoreModes.map((option) => (
            <li key={option.mode}>
              {option.isAvailable ? '✓' : '✗'} {RESTORE_MODE_LABELS[option.mode]}
              {option.reason ? <span className="text-fg-muted"> — {option.reason}</span> : null}
            </li>
          ))}
        </ul>
      </section>

      <section aria-labelledby="point-verifications">
        <h3 id="point-verifications" className="mb-1 font-semibold">
          Verify history
        </h3>
        {verifications.length === 0 ? (
          <p className="text-fg-muted">Never verified.</p>
        ) : (
          <ul className="flex flex-col gap-1">
            {verifications.map((verification) => (
              <li key={verification.at.toISOString()}>
                <Badge tone={VERDICT_TONES[verification.verdict] ?? 'neutral'}>{verification.verdict}</Badge>{' '}
                {formatDateTime(verification.at)}
                {/* A point kept on a pool is found there with every disk; its contents are not read back. */}
                {verification.details.contentsHashed === false ? (
                  <span className="text-fg-muted">
                    {' '}
                    — found on the pool with every disk; contents not hashed
                  </span>
                ) : null}
              </li>
            ))}
          </ul>
        )}
      </section>

      <div className="flex flex-wrap gap-2 border-t border-line pt-4">
        <Can capability="restore">
          <Button asChild>
            <Link href={`/restore/new?pointId=${encodeURIComponent(point.id)}`}>Restore from this point</Link>
          </Button>
        </Can>
        <Can capability="runBackups">
          <Button
            variant="secondary"
            disabled={isVerifying || isDeleting}
            onClick={() => points.verify(point.id)}
          >
            {isVerifying ? 'Verifying…' : 'Verify'}
          </Button>
        </Can>
        <Can capability="delete">
          <ConfirmDialog
            trigger={
              <Button variant="secondary" disabled={isDeleting}>
                {isDeleting ? 'Deleting…' : 'Delete…'}
              </Button>
            }
            title="Delete this restore point?"
            description={<PointDeletionImpact point={point} deletion={deletion} />}
            confirmLabel="Delete point"
            isDestructive
            typedName={{ what: POINT_DELETE_TYPED_NAME, name: deletion.confirmationText }}
            onConfirm={(typed) => points.remove(point.id, typed, onDeleted)}
          />
        </Can>
      </div>
    </div>
  );
}

/** A held disk's change tracking id (RCT, Hyper-V), or "unknown" with why; nothing for methods that record none. */
function ChangeTrackingLine({ tracking }: { tracking: DiskChangeTracking | undefined }) {
  if (!tracking) return null;
  return (
    <span className="block pl-4 text-fg-muted">
      change tracking id:{' '}
      {tracking.ids.length > 0 ? (
        <code className="break-all">{tracking.ids.join(', ')}</code>
      ) : (
        <>unknown — {tracking.reason}</>
      )}
    </span>
  );
}
