'use client';

import { keepPreviousData, useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { PageHeader } from '@/app/_components/page-header';
import { EmptyState, ErrorState, LoadingState } from '@/app/_components/query-state';
import { Badge } from '@/app/_components/ui/badge';
import {
  Table,
  TableBody,
  TableCaption,
  TableCell,
  TableHead,
  TableHeader,
  TableRow,
} from '@/app/_components/ui/table';
import { formatDateTime } from '@/app/_lib/restore-format';
import { type RouterOutputs, useTRPC } from '@/app/_lib/trpc';
import { APPROVAL_STATUS_LABELS, APPROVAL_STATUS_TONES } from './approval-format';
import { ApprovalPolicies } from './approval-policies';
import { approvalHref } from './approval-sent';

type Row = RouterOutputs['approvals']['list']['items'][number];

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
    <Table>
      <TableCaption className="sr-only">{caption}</TableCaption>
      <TableHeader>
        <TableRow>
          <TableHead>Action</TableHead>
          <TableHead>Requested by</TableHead>
          <TableHead>Requested</TableHead>
          <TableHead>{showDecision ? 'Decision' : 'Expires'}</TableHead>
        </TableRow>
      </TableHeader>
      <TableBody>
        {rows.map((row) => (
          <TableRow key={row.id}>
            <TableCell>
              <span className="block text-xs text-slate-500">{row.kindLabel}</span>
              <Link href={approvalHref(row.id)} className="font-medium text-brand-700 hover:underline">
                {row.title}
              </Link>
            </TableCell>
            <TableCell>{row.requestedByName}</TableCell>
            <TableCell>{formatDateTime(row.requestedAt)}</TableCell>
            <TableCell>
              {showDecision ? (
                <>
                  <Badge tone={APPROVAL_STATUS_TONES[row.status]}>{APPROVAL_STATUS_LABELS[row.status]}</Badge>
                  {row.decidedByName ? (
                    <span className="ml-2 text-slate-600">by {row.decidedByName}</span>
                  ) : null}
                </>
              ) : (
                formatDateTime(row.expiresAt)
              )}
            </TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
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
        {recent.isError ? (
          <ErrorState error={recent.error} />
        ) : decided.length === 0 ? (
          <EmptyState>No request was decided yet.</EmptyState>
        ) : (
          <RequestTable caption="Requests decided recently" rows={decided} showDecision />
        )}
      </section>
      <ApprovalPolicies />
    </>
  );
}
