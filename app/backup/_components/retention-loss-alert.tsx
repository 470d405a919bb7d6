'use client';

import { useQuery } from '@tanstack/react-query';
import { Alert, AlertTitle } from '@/app/_components/ui/alert';
import { pluralize } from '@/app/_lib/format';
import { useTRPC } from '@/app/_lib/trpc';
import { isApprovalRequired } from '@/server/engine/approvals';
import type { BackupJobInput } from '@/server/schemas/operations';

/**
 * On the edit wizard's review: the restore points the job keeps today that its new retention would
 * delete at its next run, before the operator saves. Saving such an edit asks a second admin first
 * unless four-eyes is off for it, and the alert says which; nothing shows when the edit deletes no point.
 */
export function RetentionLossAlert({
  id,
  job,
  loadedUpdatedAt,
}: {
  id: string;
  job: BackupJobInput;
  loadedUpdatedAt: Date;
}) {
  const trpc = useTRPC();
  const loss = useQuery(trpc.jobs.retentionLoss.queryOptions({ id, job, loadedUpdatedAt }));
  // Whether saving waits for a second admin is the policy's: on unless an admin turned it off.
  const policies = useQuery(trpc.approvals.policies.queryOptions());
  const needsApproval = isApprovalRequired('tighten-retention', policies.data ?? []);
  const whatSavingDoes = needsApproval
    ? 'Saving sends the change to a second admin for approval (four-eyes); nothing is saved until they approve it.'
    : 'Four-eyes is off for retention changes: saving saves it at once, and nobody else approves it.';
  // Until it is known, the review must not read as if the edit deleted nothing.
  if (loss.isPending) {
    return (
      <p className="mb-4 text-sm text-fg-muted">
        Working out which restore points the new retention deletes…
      </p>
    );
  }
  if (loss.isError) {
    return (
      <Alert tone="warning" className="mb-4" aria-labelledby="retention-loss-title">
        <AlertTitle id="retention-loss-title">
          Which restore points the new retention deletes could not be worked out
        </AlertTitle>
        <p>
          {loss.error.message}{' '}
          {needsApproval
            ? 'If it deletes any, saving sends the change to a second admin for approval first.'
            : 'Four-eyes is off for retention changes: saving saves it at once, whatever it deletes.'}
        </p>
      </Alert>
    );
  }
  if (loss.data.count === 0 && !loss.data.isAtLeast) return null;
  const { count, isAtLeast, points } = loss.data;
  return (
    <Alert tone="warning" className="mb-4" aria-labelledby="retention-loss-title">
      <AlertTitle id="retention-loss-title">
        The new retention deletes {isAtLeast ? 'at least ' : ''}
        {pluralize(count, 'restore point')} at the job’s next run
      </AlertTitle>
      <p>
        The job keeps {count === 1 && !isAtLeast ? 'it' : 'them'} today. {whatSavingDoes}
      </p>
      <ul aria-label="Restore points the next run deletes" className="mt-1 list-disc pl-5">
        {points.map((point) => (
          <li key={point.id}>{point.name}</li>
        ))}
      </ul>
      {count > points.length ? <p>…and {count - points.length} more.</p> : null}
      {isAtLeast ? (
        <p>Only the job’s newest restore points were read: older ones may be deleted too.</p>
      ) : null}
    </Alert>
  );
}
