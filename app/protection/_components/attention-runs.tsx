'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { toast } from 'sonner';
import { Can } from '@/app/_components/account/can';
import { DataTable, type DataTableColumn } from '@/app/_components/data-table';
import { Badge } from '@/app/_components/ui/badge';
import { Button } from '@/app/_components/ui/button';
import { formatDateTime } from '@/app/_lib/restore-format';
import { type RouterOutputs, useTRPC } from '@/app/_lib/trpc';
import { announceApprovalRequested } from '@/app/approvals/_components/approval-sent';
import { DestructiveRetryDialog } from '@/app/operations/_components/destructive-retry-dialog';
import {
  OPERATION_STATUS_LABELS,
  OPERATION_STATUS_TONES,
} from '@/app/operations/_components/operation-format';

type AttentionRun = RouterOutputs['protection']['attention']['runs'][number];

/**
 * Retries one failed run; a run that only warned has nothing to retry. One that destroys data again
 * opens its impact and asks for the name first.
 */
function RetryRunButton({ run }: { run: AttentionRun }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const retry = useMutation(
    trpc.operations.retryFailed.mutationOptions({
      onSuccess: (started) => {
        // Retrying a destructive restore or a point deletion asks a second admin first (four-eyes).
        if ('approvalRequest' in started) return announceApprovalRequested(started.approvalRequest);
        toast.success(`Retry of ${run.title} started`, {
          description: <Link href={`/operations/${started.operationId}`}>Follow the retry</Link>,
        });
        queryClient.invalidateQueries({ queryKey: trpc.protection.pathKey() });
      },
      onError: (error) => toast.error(`Retry of ${run.title} refused: ${error.message}`),
    }),
  );
  if (run.isDestructiveRetry) {
    // It destroys data again: the impact as it is now, and the name typed afresh.
    return (
      <Can capability={run.kind === 'delete-point' ? 'delete' : 'restoreDestructive'}>
        <DestructiveRetryDialog
          operationId={run.operationId}
          title={run.title}
          trigger={
            <Button size="sm" disabled={retry.isPending} aria-label={`Retry ${run.title}…`}>
              Retry…
            </Button>
          }
          onConfirm={(confirmation) => retry.mutate({ id: run.operationId, confirmation })}
        />
      </Can>
    );
  }
  return (
    <Can capability="runBackups">
      <Button
        size="sm"
        disabled={retry.isPending}
        onClick={() => retry.mutate({ id: run.operationId })}
        aria-label={`Retry ${run.title}`}
      >
        Retry
      </Button>
    </Can>
  );
}

const columns: DataTableColumn<AttentionRun>[] = [
  {
    id: 'operation',
    header: 'Operation',
    cell: ({ row: { original: run } }) => (
      <Link
        href={`/operations/${run.operationId}`}
        className="text-accent underline underline-offset-2 hover:decoration-2"
      >
        {run.title}
      </Link>
    ),
  },
  {
    id: 'result',
    header: 'Result',
    cell: ({ row: { original: run } }) => (
      <Badge tone={OPERATION_STATUS_TONES[run.status]}>{OPERATION_STATUS_LABELS[run.status]}</Badge>
    ),
  },
  {
    id: 'when',
    header: 'When',
    meta: { className: 'whitespace-nowrap' },
    cell: ({ row: { original: run } }) => formatDateTime(run.createdAt),
  },
  {
    id: 'why',
    header: 'Why',
    meta: { className: 'max-w-md text-fg-soft' },
    cell: ({ row: { original: run } }) =>
      run.status === 'succeeded-with-warnings' ? (
        <ul className="list-disc pl-4">
          {run.warnings.map((warning) => (
            <li key={warning}>{warning}</li>
          ))}
        </ul>
      ) : (
        (run.error ?? '—')
      ),
  },
  {
    id: 'actions',
    header: () => <span className="sr-only">Actions</span>,
    cell: ({ row: { original: run } }) =>
      run.status === 'succeeded-with-warnings' ? null : run.unfinishedRetry ? (
        // Nothing is backed up until the retry ends: follow it rather than start another.
        <Link
          href={`/operations/${encodeURIComponent(run.unfinishedRetry.operationId)}`}
          className="text-sm whitespace-nowrap text-accent underline underline-offset-2"
        >
          Retry {OPERATION_STATUS_LABELS[run.unfinishedRetry.status]}
        </Link>
      ) : (
        <RetryRunButton run={run} />
      ),
  },
];

/** Failed, interrupted and warned runs, each with why and (where it makes sense) a retry. */
export function AttentionRunsTable({ runs }: { runs: AttentionRun[] }) {
  return (
    <DataTable
      columns={columns}
      rows={runs}
      getRowId={(run) => run.operationId}
      caption="Runs needing attention"
    />
  );
}
