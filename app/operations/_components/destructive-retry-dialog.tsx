'use client';

import { useQuery } from '@tanstack/react-query';
import { type ReactNode, useState } from 'react';
import { ErrorState, LoadingState } from '@/app/_components/query-state';
import { Alert, AlertTitle } from '@/app/_components/ui/alert';
import { type RouterOutputs, useTRPC } from '@/app/_lib/trpc';
import { ConfirmRecap, runLabelOf } from '@/app/restore/_components/confirm-recap';
import { PointDeletionImpact } from '@/app/restore-points/_components/point-deletion-impact';
import { ConfirmDialog } from './confirm-dialog';

type RetryPreview = RouterOutputs['operations']['retryPreview'];
type DestructivePreview = Exclude<RetryPreview, { kind: 'one-click' }>;

/**
 * Retry of an operation that destroys data again (a restore over what exists, a point's deletion):
 * the impact as the estate gives it now, read when the dialog opens (it may have changed since the
 * first attempt), and the name to type, which the server checks too. The focus starts on the
 * cancel button; where four-eyes is on for the kind, the retry goes to a second admin.
 */
export function DestructiveRetryDialog({
  operationId,
  title,
  trigger,
  onConfirm,
}: {
  operationId: string;
  /** The operation's title, as the operator knows it. */
  title: string;
  trigger: ReactNode;
  onConfirm: (confirmation: string) => void;
}) {
  const trpc = useTRPC();
  const [isOpen, setIsOpen] = useState(false);
  const preview = useQuery({
    ...trpc.operations.retryPreview.queryOptions({ id: operationId }),
    enabled: isOpen,
    staleTime: 0,
  });
  // Read as the restore wizard's confirm step reads it: on unless an admin turned it off.
  const policies = useQuery({ ...trpc.approvals.policies.queryOptions(), enabled: isOpen });
  const impact = preview.data && preview.data.kind !== 'one-click' ? preview.data : null;
  const needsApproval =
    impact !== null &&
    (policies.data?.find((policy) => policy.kind === impact.approvalKind)?.required ?? true);
  const isRunnable =
    preview.data?.kind === 'one-click' ||
    (impact !== null &&
      impact.typedName !== null &&
      (impact.kind !== 'restore' || impact.blockers.length === 0));
  return (
    <ConfirmDialog
      trigger={trigger}
      title={`Retry “${title}”?`}
      size="wide"
      description={
        preview.isPending ? (
          <LoadingState label="Working out what the retry would destroy now…" />
        ) : preview.isError ? (
          <ErrorState error={preview.error} title="Could not work out what the retry would destroy" />
        ) : (
          <RetryImpact preview={preview.data} needsApproval={needsApproval} />
        )
      }
      confirmLabel={impact ? confirmLabelOf(impact, needsApproval) : 'Retry'}
      cancelLabel="Don't retry"
      isDestructive
      typedName={impact?.typedName ?? undefined}
      canConfirm={isRunnable && !policies.isPending}
      onOpenChange={setIsOpen}
      onConfirm={onConfirm}
    />
  );
}

/** The retry button says what it does, and that it only asks when a second admin decides. */
function confirmLabelOf(impact: DestructivePreview, needsApproval: boolean): string {
  if (needsApproval) return 'Send the retry for approval';
  if (impact.kind === 'delete-point') return 'Retry: delete the point';
  const action = runLabelOf(impact.plan, impact.mode, impact.newVmName ?? '', false);
  return `Retry: ${action.charAt(0).toLowerCase()}${action.slice(1)}`;
}

function RetryImpact({ preview, needsApproval }: { preview: RetryPreview; needsApproval: boolean }) {
  if (preview.kind === 'one-click') return <p>The retry overwrites nothing that exists.</p>;
  return (
    <>
      <p className="mb-3">
        The estate may have changed since the first attempt: this is what the retry does now.
      </p>
      {preview.kind === 'restore' ? (
        <RestoreRetryImpact impact={preview} />
      ) : (
        <PointDeletionImpact point={preview.point} deletion={preview.deletion} />
      )}
      {needsApproval ? (
        <p className="mt-3">
          Nothing runs yet: a second admin reviews this impact and approves or rejects the retry (four-eyes).
        </p>
      ) : null}
    </>
  );
}

function RestoreRetryImpact({ impact }: { impact: Extract<RetryPreview, { kind: 'restore' }> }) {
  const { plan } = impact;
  return (
    <>
      <ConfirmRecap plan={plan} mode={impact.mode} newVmName={impact.newVmName ?? ''} />
      {plan.stoppedVms.length > 0 ? (
        <p className="mb-3 font-medium text-danger">
          The revert stops {plan.stoppedVms.map((vm) => vm.vmName).join(', ')} and leaves{' '}
          {plan.stoppedVms.length === 1 ? 'it' : 'them'} off.
        </p>
      ) : null}
      {impact.blockers.length > 0 ? (
        <Alert tone="danger" className="mb-3">
          <AlertTitle>This retry cannot run now</AlertTitle>
          <ul className="list-disc pl-5">
            {impact.blockers.map((reason) => (
              <li key={reason}>{reason}</li>
            ))}
          </ul>
          <p className="mt-1">Start a new restore of {impact.vmName} from the restore wizard instead.</p>
        </Alert>
      ) : null}
    </>
  );
}
