'use client';

import Link from 'next/link';
import { SectionCountsTable } from '@/app/_components/section-counts-table';
import { formatBytes, METHOD_LABELS, pluralize } from '@/app/_lib/format';
import { formatDateTime, RESTORE_MODE_LABELS } from '@/app/_lib/restore-format';
import type { RouterOutputs } from '@/app/_lib/trpc';
import { RestoreBlastRadius } from '@/app/restore/_components/blast-radius';
import { REQUESTER_ROLES } from '@/server/engine/approvals';
import { ROLE_LABELS } from '@/server/engine/roles';
import type { BackupMethod } from '@/server/engine/types';

type Preview = RouterOutputs['approvals']['get']['preview'];

/** What the action destroys, as its requester was shown it before confirming. */
export function ApprovalPreview({ preview }: { preview: Preview }) {
  switch (preview.kind) {
    case 'restore':
      return (
        <>
          <p className="mb-4 text-sm text-fg-soft">
            {RESTORE_MODE_LABELS[preview.mode]} of <strong>{preview.point.vmName}</strong> from its point of{' '}
            {formatDateTime(new Date(preview.point.createdAt))}
            {preview.plan.confirmationText ? ` (confirmed by typing "${preview.plan.confirmationText}")` : ''}
            : {pluralize(preview.plan.steps.length, 'step')}.
          </p>
          <RestoreBlastRadius plan={preview.plan} vmName={preview.point.vmName} />
        </>
      );
    case 'delete-restore-point':
      return <PointDeletionPreview preview={preview} />;
    case 'delete-job':
      return (
        <p className="mb-4 text-sm text-fg-soft">
          The backup job <strong>{preview.job.name}</strong> ({preview.job.scope},{' '}
          {preview.job.schedule ?? 'no schedule'}, {preview.job.isEnabled ? 'enabled' : 'disabled'}) stops
          running and is deleted. Its past operations and restore points stay in the catalogue.
        </p>
      );
    case 'disconnect':
      return <DisconnectPreview preview={preview} />;
    case 'tighten-retention': {
      const { loss } = preview;
      const count = `${loss.isAtLeast ? 'at least ' : ''}${pluralize(loss.count, 'restore point')}`;
      return (
        <>
          <p className="mb-2 text-sm text-fg-soft">
            The backup job <strong>{preview.job.name}</strong> would keep less: {preview.before} becomes{' '}
            {preview.after}. Its next run deletes {count} that it keeps today, with their stored data:
          </p>
          <ul aria-label="Restore points deleted at the next run" className="mb-2 list-disc pl-5 text-sm">
            {loss.points.map((point) => (
              <li key={point.id}>{point.name}</li>
            ))}
          </ul>
          {loss.count > loss.points.length ? (
            <p className="mb-4 text-sm text-fg-soft">…and {loss.count - loss.points.length} more.</p>
          ) : null}
          {loss.isAtLeast ? (
            <p className="mb-4 text-sm text-fg-soft">
              Only the job’s newest restore points were read: older ones may be deleted too.
            </p>
          ) : null}
          {preview.otherChanges === undefined ? (
            <p className="mb-4 text-sm text-fg-soft">
              This request does not list the edit’s other changes (it was made by an earlier version):
              approving saves the whole edit, so compare it with the job first.
            </p>
          ) : preview.otherChanges.length > 0 ? (
            <>
              <p className="mb-2 text-sm text-fg-soft">Approving saves the rest of the edit too:</p>
              <ul aria-label="The edit's other changes" className="mb-4 list-disc pl-5 text-sm">
                {preview.otherChanges.map((change) => (
                  <li key={change}>{change}</li>
                ))}
              </ul>
            </>
          ) : (
            <p className="mb-4 text-sm text-fg-soft">The edit changes nothing else.</p>
          )}
        </>
      );
    }
    case 'turn-off-four-eyes':
      return (
        <div className="mb-4 text-sm text-fg-soft">
          <p className="mb-2">
            Four-eyes approval would be off for <strong>{preview.policy.label.toLowerCase()}</strong>: from
            then on anyone with the {ROLE_LABELS[REQUESTER_ROLES[preview.policy.kind]]} role or above runs it
            alone, with no second admin to approve it, until an admin turns it on again.
          </p>
          <p>Why, in the requester’s words: “{preview.reason}”</p>
        </div>
      );
    case 'change-admins':
      return (
        <p className="mb-4 text-sm text-fg-soft" data-testid="admin-change">
          {preview.words}
        </p>
      );
    case 'replace-inventory':
      return (
        <>
          <p className="mb-2 text-sm text-fg-soft">
            The file becomes the whole inventory.{' '}
            {preview.removedVms.count === 0
              ? 'Every VM in the console is in the file.'
              : `${pluralize(preview.removedVms.count, 'VM')} in the console ${preview.removedVms.count === 1 ? 'is' : 'are'} not in the file and would be removed:`}
          </p>
          {preview.removedVms.names.length > 0 ? (
            <ul aria-label="VMs removed" className="mb-2 list-disc pl-5 text-sm">
              {preview.removedVms.names.map((name) => (
                <li key={name}>{name}</li>
              ))}
              {/* The request keeps the first names; the count is every VM the replace removes. */}
              {preview.removedVms.count > preview.removedVms.names.length ? (
                <li>…and {preview.removedVms.count - preview.removedVms.names.length} more</li>
              ) : null}
            </ul>
          ) : null}
          {preview.removedHosts && preview.removedHosts.count > 0 ? (
            <p className="mb-2 text-sm text-fg-soft">
              {pluralize(preview.removedHosts.count, 'host')} removed: {preview.removedHosts.names.join(', ')}
            </p>
          ) : null}
          {preview.jobs && preview.jobs.length > 0 ? (
            <ul aria-label="Backup jobs affected" className="mb-2 list-disc pl-5 text-sm">
              {preview.jobs.map((job) => (
                <li key={job.name}>
                  Backup job <strong>{job.name}</strong> loses {job.lost}
                </li>
              ))}
            </ul>
          ) : null}
          {preview.orphanedPoints ? (
            <p className="mb-2 text-sm text-fg-soft">
              {pluralize(preview.orphanedPoints, 'restore point')} would be left without their VM in the
              inventory.
            </p>
          ) : null}
          <div className="mb-4">
            <SectionCountsTable
              caption="Objects in the console and in the file"
              columns={[
                { header: 'In the console', counts: preview.stored },
                { header: 'In the file', counts: preview.file },
              ]}
            />
          </div>
        </>
      );
  }
}

/** A point's deletion, with what else it breaks or destroys (as the delete's confirmation says it). */
function PointDeletionPreview({ preview }: { preview: Extract<Preview, { kind: 'delete-restore-point' }> }) {
  const broken = preview.brokenVolumeReverts ?? [];
  return (
    <div className="mb-4 text-sm text-fg-soft">
      <p>
        The {METHOD_LABELS[preview.point.method as BackupMethod] ?? preview.point.method} point of{' '}
        <strong>{preview.point.vmName}</strong> taken {formatDateTime(new Date(preview.point.createdAt))} (
        {formatBytes(preview.point.sizeBytes)}) is deleted with its stored data.{' '}
        {preview.impact.isOnlyPointOfVm
          ? `It is the only restore point of ${preview.impact.vmName}: ${preview.impact.vmName} is left with none.`
          : `${preview.impact.vmName} keeps its other restore points.`}
      </p>
      {preview.arraySnapshot ? (
        <p className={`mt-2 ${preview.arraySnapshot.isDestroyed ? 'font-semibold text-danger' : ''}`}>
          The delete {preview.arraySnapshot.words}.
        </p>
      ) : null}
      {broken.length > 0 ? (
        <div className="mt-2 text-danger">
          <p className="font-semibold">
            It breaks the whole-volume revert of {pluralize(broken.length, 'other VM')} captured with it:
          </p>
          <ul aria-label="Volume reverts this deletion breaks" className="mt-1 list-disc pl-5">
            {broken.map((other) => (
              <li key={other.restorePointId}>
                {other.vmName} (its {formatDateTime(new Date(other.createdAt))} point)
              </li>
            ))}
          </ul>
        </div>
      ) : null}
    </div>
  );
}

/** A disconnect: the connection by name and what stops, as the requester's confirmation said it. */
function DisconnectPreview({ preview }: { preview: Extract<Preview, { kind: 'disconnect' }> }) {
  const { connection, impact } = preview;
  return (
    <div className="mb-4 text-sm text-fg-soft">
      <p>
        The {connection.kindLabel} <strong>{connection.name}</strong> ({connection.address}) is disconnected:
        its address, accounts and trusted keys are forgotten; what its syncs brought stays in the inventory.
        {connection.hostNames.length > 0
          ? ` It reads ${connection.hostNames.join(', ')}.`
          : ' No sync has read its hosts yet.'}
      </p>
      <p className="mt-2 font-semibold text-danger">
        {impact.vmCount === 0
          ? 'No VM is on its hosts as the inventory knows them.'
          : `${pluralize(impact.vmCount, 'VM')} on its hosts can then be neither backed up nor restored.`}
      </p>
      {impact.jobs.length === 0 ? (
        <p className="mt-1">No backup job backs them up.</p>
      ) : (
        <>
          <p className="mt-1">
            {impact.jobs.length === 1 ? 'This job backs' : 'These jobs back'} some of them up; their runs fail
            until it is connected again:
          </p>
          <ul aria-label="Jobs whose runs fail" className="mt-1 list-disc pl-5">
            {impact.jobs.map((job) => (
              <li key={job.id}>
                <Link href={`/jobs/${encodeURIComponent(job.id)}`} className="underline underline-offset-2">
                  {job.name}
                </Link>
                {job.isEnabled ? '' : ' (disabled)'}
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}
