'use client';

import { keepPreviousData, useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { DataTable, type DataTableColumn } from '@/app/_components/data-table';
import { PageHeader } from '@/app/_components/page-header';
import { EmptyState, ErrorState, LoadingState } from '@/app/_components/query-state';
import { Badge } from '@/app/_components/ui/badge';
import { formatDateTime } from '@/app/_lib/restore-format';
import { type RouterOutputs, useTRPC } from '@/app/_lib/trpc';
import { APPROVAL_STATUS_LABELS, APPROVAL_STATUS_TONES } from './approval-format';
import { ApprovalPolicies } from './approval-policies';
import { approvalHref } from './approval-sent';

type Row = RouterOutputs['approvals']['list']['items'][number];

/** A request's columns; the last says the decision (decided ones) or when it expires (pending ones). */
function requestColumns(showDecision: boolean): DataTableColumn<Row>[] {
  return [
    {
      id: 'action',
      header: 'Action',
      cell: ({ row: { original } }) => (
        <>
          <span className="block text-xs text-fg-subtle">{original.kindLabel}</span>
          <Link
            href={approvalHref(original.id)}
            className="font-medium text-accent underline underline-offset-2 hover:decoration-2"
          >
            {original.title}
          </Link>
        </>
      ),
    },
    { id: 'requestedBy', header: 'Requested by', cell: ({ row }) => row.original.requestedByName },
    { id: 'requestedAt', header: 'Requested', cell: ({ row }) => formatDateTime(row.original.requestedAt) },
    showDecision
      ? {
          id: 'decision',
          header: 'Decision',
          cell: ({ row: { original } }) => (
            <>
              <Badge tone={APPROVAL_STATUS_TONES[original.status]}>
                {APPROVAL_STATUS_LABELS[original.status]}
              </Badge>
              {original.decidedByName ? (
                <span className="ml-2 text-fg-muted">by {original.decidedByName}</span>
              ) : null}
            </>
          ),
        }
      : { id: 'expires', header: 'Expires', cell: ({ row }) => formatDateTime(row.original.expiresAt) },
  ];
}

function RequestTable({
  caption,
  rows,
  showDecision,
}: {
  caption: string;
  rows: Row[];
  showDecision: boolean;
}) {
  return (
    <DataTable
      columns={requestColumns(showDecision)}
      rows={rows}
      getRowId={(row) => row.id}
      caption={caption}
    />
  );
}

/** Requests waiting for a second admin first, then the latest decided ones, then the policy. */
export function ApprovalList() {
  const trpc = useTRPC();
  const pending = useQuery({
    ...trpc.approvals.list.queryOptions({ status: 'pending', limit: 100 }),
    refetchInterval: 15_000,
  });
  const recent = useQuery({
    ...trpc.approvals.list.queryOptions({ limit: 50 }),
    placeholderData: keepPreviousData,
  });
  const decided = (recent.data?.items ?? []).filter((row) => row.status !== 'pending');
  return (
    <>
      <PageHeader
        title="Approvals"
        description="Actions that destroy data wait here for a second admin (four-eyes): in-place restores, snapshot and volume reverts, deleting restore points and jobs, replacing the inventory. Nobody approves their own request; a request nobody decides in time is rejected automatically."
      />
      <section aria-labelledby="pending-heading" className="mb-8">
        <h2 id="pending-heading" className="mb-2 text-lg font-semibold">
          Waiting for approval
        </h2>
        {pending.isPending ? (
          <LoadingState />
        ) : pending.isError ? (
          <ErrorState error={pending.error} />
        ) : pending.data.items.length === 0 ? (
          <EmptyState>Nothing is waiting for approval.</EmptyState>
        ) : (
          <RequestTable
            caption="Requests waiting for approval"
            rows={pending.data.items}
            showDecision={false}
          />
        )}
      </section>
      <section aria-labelledby="decided-heading" className="mb-8">
        <h2 id="decided-heading" className="mb-2 text-lg font-semibold">
          Decided recently
        </h2>
        {recent.isPending ? (
          <LoadingState />
        ) : recent.isError ? (
          <ErrorState error={recent.error} />
        ) : decided.length === 0 ? (
          <EmptyState>
            {/* Decided ones older than the latest requests may exist: say what was looked at. */}
            {recent.data.nextCursor === null
              ? 'No request was decided yet.'
              : `None of the ${recent.data.items.length} latest requests is decided yet.`}
          </EmptyState>
        ) : (
          <RequestTable caption="Requests decided recently" rows={decided} showDecision />
        )}
      </section>
      <ApprovalPolicies />
    </>
  );
}
