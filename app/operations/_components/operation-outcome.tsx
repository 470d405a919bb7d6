/**
 * How an operation ended, in words, wherever it is shown. An operation's status as a badge, followed by why in words: the error of a failed run, or each
 * warning of a run that succeeded with warnings. One component, so the operations list, the jobs'
 * last runs and a job's history say the same thing the same way.
 */
'use client';

import { toast } from 'sonner';
import { Alert, AlertTitle } from '@/app/_components/ui/alert';
import { Badge } from '@/app/_components/ui/badge';
import { isFinalOperationStatus, type OperationStatus } from '@/server/engine/statuses';
import { OPERATION_STATUS_LABELS, OPERATION_STATUS_TONES } from './operation-format';

export interface OutcomeOf {
  status: OperationStatus;
  error: string | null;
  warnings: string[];
  waitingReason?: string | null;
}

export function OperationOutcome({ operation }: { operation: OutcomeOf }) {
  const { status, error, warnings, waitingReason } = operation;
  return (
    <>
      <Badge tone={OPERATION_STATUS_TONES[status]}>{OPERATION_STATUS_LABELS[status]}</Badge>
      {waitingReason && (status === 'waiting' || status === 'queued') ? (
        <p className="mt-1 max-w-sm text-xs text-warning">Waits: {waitingReason}</p>
      ) : null}
      {error && status !== 'succeeded' && status !== 'succeeded-with-warnings' ? (
        <p className="mt-1 max-w-sm text-xs text-danger">{error}</p>
      ) : null}
      {status === 'succeeded-with-warnings' && warnings.length > 0 ? (
        <ul className="mt-1 max-w-sm list-disc pl-4 text-xs text-warning" aria-label="Warnings">
          {warnings.map((warning) => (
            <li key={warning}>{warning}</li>
          ))}
        </ul>
      ) : null}
    </>
  );
}

/** The notice under an operation's title: why it waits, is ending, failed, or warned. */
export function OperationNotices({
  operation,
}: {
  operation: OutcomeOf & { endingAs: string | null; status: OperationStatus };
}) {
  if ((operation.status === 'queued' || operation.status === 'waiting') && operation.waitingReason) {
    return (
      <Alert tone="warning">
        <AlertTitle>Waiting</AlertTitle>
        <p>{operation.waitingReason}</p>
      </Alert>
    );
  }
  if (
    operation.status === 'cancelling' ||
    (operation.endingAs && !isFinalOperationStatus(operation.status))
  ) {
    return (
      <Alert tone="warning">
        <AlertTitle>Ending as {operation.endingAs ?? 'cancelled'}</AlertTitle>
        <p>No new work starts; the cleanup steps it owes (thaw, resume, release) still run.</p>
      </Alert>
    );
  }
  if (operation.status === 'succeeded-with-warnings') {
    return (
      <Alert tone="warning" role="note" aria-label="Why it succeeded with warnings">
        <AlertTitle>Succeeded with warnings</AlertTitle>
        <p>No step failed, but not everything went as planned:</p>
        <ul className="list-disc pl-5">
          {operation.warnings.map((warning) => (
            <li key={warning}>{warning}</li>
          ))}
        </ul>
      </Alert>
    );
  }
  if (operation.error && operation.status !== 'succeeded') {
    return (
      <Alert tone="danger">
        <AlertTitle>Operation {OPERATION_STATUS_LABELS[operation.status]}</AlertTitle>
        <p>{operation.error}</p>
      </Alert>
    );
  }
  return null;
}

/** The toast of an operation the operator watched finish: its name, how it ended and why. */
export function toastOutcome(
  title: string,
  finished: { status: OperationStatus; error: string | null; warnings?: string[] },
): void {
  const label = `${title}: ${OPERATION_STATUS_LABELS[finished.status]}`;
  if (finished.status === 'succeeded') toast.success(label);
  else if (finished.status === 'succeeded-with-warnings') {
    toast.warning(label, { description: (finished.warnings ?? []).join(' · ') });
  } else if (finished.status === 'cancelled') toast.info(label);
  else toast.error(label, { description: finished.error ?? undefined });
}
