'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { toast } from 'sonner';
import { Can } from '@/app/_components/account/can';
import { DetailList } from '@/app/_components/detail-list';
import { FindingsList } from '@/app/_components/findings-list';
import { PageHeader } from '@/app/_components/page-header';
import { ErrorState, LoadingState } from '@/app/_components/query-state';
import { Badge } from '@/app/_components/ui/badge';
import { Button } from '@/app/_components/ui/button';
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/app/_components/ui/card';
import { formatBytes } from '@/app/_lib/format';
import { type RouterOutputs, useTRPC } from '@/app/_lib/trpc';
import { announceApprovalRequested } from '@/app/approvals/_components/approval-sent';
import { approvalKindOfRetry } from '@/server/engine/approvals';
import { isFinalOperationStatus, isSuccessfulOperationStatus } from '@/server/engine/statuses';
import { ConfirmDialog } from './confirm-dialog';
import { DestructiveRetryDialog } from './destructive-retry-dialog';
import {
  describeOperationProgress,
  elapsedMs,
  formatElapsed,
  formatTime,
  isCancellable,
  isRetryable,
  OPERATION_KIND_LABELS,
  OPERATION_STATUS_LABELS,
  OPERATION_STATUS_TONES,
} from './operation-format';
import { OperationNotices, toastOutcome } from './operation-outcome';
import { BackupOutcomes, PointOutcome, RestoreOutcome } from './operation-outcomes';
import { StepTable } from './step-table';
import { useOperationEvents } from './use-operation-events';

type Detail = RouterOutputs['operations']['get'];

export function OperationDetail({ id }: { id: string }) {
  const trpc = useTRPC();
  const detail = useQuery(trpc.operations.get.queryOptions({ id }));

  if (detail.isPending) return <LoadingState label="Loading the operation…" />;
  if (detail.isError) return <ErrorState error={detail.error} title="Could not load this operation" />;
  // Keyed by operation: a new id starts a fresh stream from that operation's own position.
  return <LiveOperation key={id} detail={detail.data} />;
}

function LiveOperation({ detail }: { detail: Detail }) {
  const { operation, steps, logs } = detail;
  const isFinal = isFinalOperationStatus(operation.status);
  const live = useOperationEvents({
    operationId: operation.id,
    startAfterEventId: detail.lastEventId,
    isEnabled: !isFinal,
    // Watched to its end: say how it ended, and why, where the operator is looking.
    onEvent: (event) => {
      if (event.type === 'operation.finished') {
        toastOutcome(operation.title, event.payload as Parameters<typeof toastOutcome>[1]);
      }
    },
  });
  const now = new Date();

  return (
    <>
      <PageHeader
        parent={{ href: '/operations', label: 'Operations' }}
        title={operation.title}
        description={
          <span className="flex flex-wrap items-center gap-2">
            <span>
              Status: {/* A live region: screen readers hear the status change as the stream moves it. */}
              <span role="status" aria-label="Operation status">
                <Badge tone={OPERATION_STATUS_TONES[operation.status]}>
                  {OPERATION_STATUS_LABELS[operation.status]}
                </Badge>
              </span>
            </span>
            <span>
              {describeOperationProgress(operation)} · {formatBytes(operation.bytesDone)} copied
            </span>
            {!isFinal ? (
              <span className="text-fg-subtle">
                {live.status === 'pending' ? '· live' : '· connecting to live updates…'}
              </span>
            ) : null}
          </span>
        }
        actions={<OperationActions operation={operation} />}
      />

      <div className="flex flex-col gap-6">
        <OperationNotices operation={operation} />

        <Card>
          <CardHeader>
            <CardTitle>Summary</CardTitle>
          </CardHeader>
          <CardContent>
            <DetailList
              items={[
                { term: 'Kind', value: OPERATION_KIND_LABELS[operation.kind] },
                { term: 'Requested by', value: operation.requestedByName },
                ...(operation.cancelledBy ? [cancelledByItem(operation)] : []),
                { term: 'Created', value: formatTime(operation.createdAt) },
                { term: 'Started', value: formatTime(operation.startedAt) },
                { term: 'Finished', value: formatTime(operation.finishedAt) },
                {
                  term: 'Duration',
                  value: formatElapsed(elapsedMs(operation.startedAt, operation.finishedAt, now)),
                },
                ...(operation.jobId
                  ? [
                      {
                        term: 'Backup job',
                        value: (
                          <Link
                            href={`/jobs/${encodeURIComponent(operation.jobId)}`}
                            className="text-accent underline underline-offset-2 hover:decoration-2"
                          >
                            open the job
                          </Link>
                        ),
                      },
                    ]
                  : []),
                ...(operation.retryOf
                  ? [
                      {
                        term: 'Retry of',
                        value: (
                          <Link
                            href={`/operations/${encodeURIComponent(operation.retryOf.id)}`}
                            className="text-accent underline underline-offset-2 hover:decoration-2"
                          >
                            {operation.retryOf.title}, queued {formatTime(operation.retryOf.createdAt)}
                          </Link>
                        ),
                      },
                    ]
                  : []),
                ...(operation.attempt > 1
                  ? [{ term: 'Worker takeovers', value: String(operation.attempt - 1) }]
                  : []),
              ]}
            />
          </CardContent>
        </Card>

        {operation.plan.kind === 'backup' ? (
          <BackupOutcomes plan={operation.plan} steps={steps} />
        ) : operation.plan.kind === 'restore' ? (
          <RestoreOutcome plan={operation.plan} steps={steps} />
        ) : (
          <PointOutcome plan={operation.plan} />
        )}

        <Card>
          <CardHeader>
            <CardTitle>Steps</CardTitle>
            <CardDescription>
              In the order they run. Cleanup steps undo a side effect (thaw, resume, release) and run even
              when the operation fails or is cancelled.
            </CardDescription>
          </CardHeader>
          <CardContent>
            <StepTable steps={steps} logs={logs} now={now} />
          </CardContent>
        </Card>

        {operation.plan.findings.length > 0 ? (
          <Card>
            <CardHeader>
              <CardTitle>Findings at planning time</CardTitle>
            </CardHeader>
            <CardContent>
              <FindingsList findings={operation.plan.findings} emptyText="No findings." />
            </CardContent>
          </Card>
        ) : null}
      </div>
    </>
  );
}

/**
 * Who cancelled it. An operation that ended otherwise was past stopping: a successful one's cancel
 * came after every step had done its work (operation-rules.ts decideFinalStatus), and it says so.
 */
function cancelledByItem(operation: Detail['operation']) {
  const who = operation.cancelledByName ?? '';
  if (!isFinalOperationStatus(operation.status) || operation.status === 'cancelled')
    return { term: 'Cancelled by', value: who };
  if (!isSuccessfulOperationStatus(operation.status)) return { term: 'Cancel asked by', value: who };
  return { term: 'Cancel asked by', value: `${who}, too late: every step had already done its work` };
}

function OperationActions({ operation }: { operation: Detail['operation'] }) {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.operations.pathKey() });
  const cancel = useMutation(
    trpc.operations.cancel.mutationOptions({
      onSuccess: () => {
        toast.success('Cancel requested: cleanup steps will still run');
        void refresh();
      },
      onError: (error) => toast.error(`Could not cancel: ${error.message}`),
    }),
  );
  const retry = useMutation(
    trpc.operations.retryFailed.mutationOptions({
      onSuccess: (started) => {
        // Retrying a destructive restore or a point deletion asks a second admin first (four-eyes).
        if ('approvalRequest' in started) return announceApprovalRequested(started.approvalRequest);
        toast.success('Retry started as a new operation');
        void refresh();
        router.push(`/operations/${encodeURIComponent(started.operationId)}`);
      },
      onError: (error) => toast.error(`Could not retry: ${error.message}`),
    }),
  );
  const destructiveRetry = approvalKindOfRetry({ kind: operation.kind, request: operation.request });
  return (
    <Can capability="runBackups">
      {isCancellable(operation.status) ? (
        <ConfirmDialog
          trigger={
            <Button variant="secondary" disabled={cancel.isPending}>
              Cancel operation
            </Button>
          }
          title="Cancel this operation?"
          description={
            <p>
              Steps not yet started will not run. Cleanup steps still run, so a frozen guest is thawed, a
              paused VM resumed and a snapshot released.
            </p>
          }
          confirmLabel="Cancel operation"
          cancelLabel="Keep running"
          isDestructive
          onConfirm={() => cancel.mutate({ id: operation.id })}
        />
      ) : null}
      {isRetryable(operation.status) ? (
        destructiveRetry ? (
          // It destroys data again: the impact as it is now, and the name typed afresh.
          <Can capability={destructiveRetry === 'delete-restore-point' ? 'delete' : 'restoreDestructive'}>
            <DestructiveRetryDialog
              operationId={operation.id}
              title={operation.title}
              trigger={<Button disabled={retry.isPending}>Retry failed…</Button>}
              onConfirm={(confirmation) => retry.mutate({ id: operation.id, confirmation })}
            />
          </Can>
        ) : (
          <Button disabled={retry.isPending} onClick={() => retry.mutate({ id: operation.id })}>
            Retry failed
          </Button>
        )
      ) : null}
    </Can>
  );
}
