'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { useState } from 'react';
import { toast } from 'sonner';
import { DetailList } from '@/app/_components/detail-list';
import { MutationErrorAlert } from '@/app/_components/mutation-error-alert';
import { PageHeader } from '@/app/_components/page-header';
import { ErrorState, LoadingState } from '@/app/_components/query-state';
import { Alert, AlertTitle } from '@/app/_components/ui/alert';
import { Badge } from '@/app/_components/ui/badge';
import { Button } from '@/app/_components/ui/button';
import { Label } from '@/app/_components/ui/label';
import { latestMutationError } from '@/app/_lib/latest-error';
import { formatDateTime } from '@/app/_lib/restore-format';
import { useTRPC } from '@/app/_lib/trpc';
import { roleLabelOf } from '@/server/engine/roles';
import { APPROVAL_STATUS_LABELS, APPROVAL_STATUS_TONES } from './approval-format';
import { ApprovalPreview } from './approval-preview';

/**
 * One request as its approver reviews it: who asked, what it destroys (the preview the requester
 * confirmed), and approve / reject with a comment. A person who may not decide it is told why
 * instead of being shown a button that would be refused.
 */
export function ApprovalDetail({ id }: { id: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [comment, setComment] = useState('');
  const request = useQuery({ ...trpc.approvals.get.queryOptions({ id }), refetchInterval: 15_000 });
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.approvals.pathKey() });
  const approve = useMutation(
    trpc.approvals.approve.mutationOptions({
      onSuccess: async () => {
        toast.success('Approved: the action runs');
        await refresh();
      },
    }),
  );
  const reject = useMutation(
    trpc.approvals.reject.mutationOptions({
      onSuccess: async () => {
        toast.success('Rejected: nothing ran');
        await refresh();
      },
    }),
  );
  if (request.isPending) return <LoadingState />;
  if (request.isError) return <ErrorState error={request.error} title="Could not read this request" />;
  const view = request.data;
  const operationId = typeof view.result?.operationId === 'string' ? view.result.operationId : null;
  const busy = approve.isPending || reject.isPending;
  const error = latestMutationError(approve, reject);

  return (
    <>
      <PageHeader
        parent={{ href: '/approvals', label: 'Approvals' }}
        title={view.title}
        description={
          <Badge tone={APPROVAL_STATUS_TONES[view.status]} aria-label="Request status">
            {APPROVAL_STATUS_LABELS[view.status]}
          </Badge>
        }
      />
      <div className="max-w-4xl">
        <DetailList
          items={[
            { term: 'Action', value: view.kindLabel },
            {
              term: 'Requested by',
              value: `${view.requestedByName}${view.requestedByRole ? ` (${roleLabelOf(view.requestedByRole)})` : ''}`,
            },
            { term: 'Requested', value: formatDateTime(view.requestedAt) },
            {
              term: view.status === 'pending' ? 'Expires' : 'Expired or expires',
              value: formatDateTime(view.expiresAt),
            },
            ...(view.decidedByName
              ? [{ term: 'Decided by', value: `${view.decidedByName} on ${formatDateTime(view.decidedAt)}` }]
              : []),
            ...(view.comment ? [{ term: 'Comment', value: view.comment }] : []),
          ]}
        />
        <section aria-labelledby="loss-heading" className="my-6">
          <h2 id="loss-heading" className="mb-2 text-lg font-semibold">
            What is lost
          </h2>
          <ApprovalPreview preview={view.preview} />
        </section>
        {operationId ? (
          <Alert tone="success" className="mb-4">
            <AlertTitle>The approved action was started</AlertTitle>
            <Link href={`/operations/${encodeURIComponent(operationId)}`} className="text-accent underline">
              View operation
            </Link>
          </Alert>
        ) : null}
        {view.isStartUnrecorded ? (
          <Alert tone="warning" className="mb-4">
            <AlertTitle>Approved, but what it started was not recorded</AlertTitle>
            The server may have stopped between the approval and the start, so whether the action ran is not
            known. Check the{' '}
            <Link href="/operations" className="text-accent underline">
              operations
            </Link>{' '}
            before asking for it again.
          </Alert>
        ) : null}
        {view.error ? (
          <Alert tone="danger" className="mb-4">
            <AlertTitle>Refused when run</AlertTitle>
            {view.error}
          </Alert>
        ) : null}
        {error ? <MutationErrorAlert error={error} /> : null}
        {view.status === 'pending' ? (
          <section aria-labelledby="decide-heading" className="flex flex-col gap-3">
            <h2 id="decide-heading" className="text-lg font-semibold">
              Decision
            </h2>
            {view.approveRefusal && view.rejectRefusal ? (
              <p className="text-sm text-fg-soft">{view.approveRefusal}.</p>
            ) : (
              <>
                {view.approveRefusal ? <p className="text-sm text-fg-soft">{view.approveRefusal}.</p> : null}
                <div className="flex flex-col gap-1">
                  <Label htmlFor="decision-comment">Comment (required to reject)</Label>
                  <textarea
                    id="decision-comment"
                    value={comment}
                    onChange={(event) => setComment(event.target.value)}
                    rows={3}
                    className="w-full max-w-xl rounded-md border border-line-strong px-3 py-2 text-sm"
                  />
                </div>
                <div className="flex gap-2">
                  {view.approveRefusal ? null : (
                    <Button
                      disabled={busy}
                      onClick={() => approve.mutate({ id: view.id, comment: comment || undefined })}
                    >
                      Approve and run
                    </Button>
                  )}
                  {view.rejectRefusal ? null : (
                    <Button
                      variant="secondary"
                      disabled={busy}
                      onClick={() => reject.mutate({ id: view.id, comment })}
                    >
                      Reject
                    </Button>
                  )}
                </div>
              </>
            )}
          </section>
        ) : null}
      </div>
    </>
  );
}
