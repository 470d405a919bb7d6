'use client';

import { keepPreviousData, useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useSearchParams } from 'next/navigation';
import { useMemo } from 'react';
import { DataTable, type DataTableColumn } from '@/app/_components/data-table';
import { ExportCsvLink } from '@/app/_components/export-csv-link';
import { FilterSelect } from '@/app/_components/filter-select';
import { PageHeader } from '@/app/_components/page-header';
import { Pager } from '@/app/_components/pager';
import { EmptyState, ErrorState, LoadingState } from '@/app/_components/query-state';
import { Button } from '@/app/_components/ui/button';
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/app/_components/ui/card';
import { formatBytes } from '@/app/_lib/format';
import { pickEnum, readCursorState } from '@/app/_lib/list-url';
import { type RouterInputs, type RouterOutputs, useTRPC } from '@/app/_lib/trpc';
import { useSetListParams } from '@/app/_lib/use-set-list-params';
import {
  FINAL_OPERATION_STATUSES,
  OPERATION_KINDS,
  OPERATION_STATUSES,
  type OperationStatus,
} from '@/server/engine/statuses';
import {
  describeOperationProgress,
  elapsedMs,
  formatElapsed,
  formatTime,
  OPERATION_KIND_LABELS,
  OPERATION_STATUS_LABELS,
} from './operation-format';
import { OperationOutcome } from './operation-outcome';
import { useOperationEvents } from './use-operation-events';

type OperationRow = RouterOutputs['operations']['list']['items'][number];

const PAGE_SIZE = 25;
const ACTIVE_STATUSES: OperationStatus[] = ['running', 'cancelling'];
const PENDING_STATUSES: OperationStatus[] = ['queued', 'waiting'];

const KIND_OPTIONS = [
  { value: 'backup', label: 'Backups' },
  { value: 'restore', label: 'Restores' },
  { value: 'verify-point', label: 'Point verifications' },
  { value: 'delete-point', label: 'Point deletions' },
];

function readFilters(params: URLSearchParams) {
  return {
    status: pickEnum(params.get('status'), OPERATION_STATUSES),
    kind: pickEnum(params.get('kind'), OPERATION_KINDS),
    vmId: params.get('vmId') || undefined,
  };
}

export function OperationList() {
  const trpc = useTRPC();
  const searchParams = useSearchParams();
  const filters = useMemo(() => readFilters(new URLSearchParams(searchParams)), [searchParams]);
  const { cursor } = readCursorState(new URLSearchParams(searchParams));
  const isStatusFiltered = filters.status !== undefined;

  // Running and waiting operations stay on top whatever page of history is shown.
  const base: RouterInputs['operations']['list'] = { kind: filters.kind, vmId: filters.vmId, limit: 100 };
  const active = useQuery({
    ...trpc.operations.list.queryOptions({ ...base, status: ACTIVE_STATUSES }),
    enabled: !isStatusFiltered,
  });
  const pending = useQuery({
    ...trpc.operations.list.queryOptions({ ...base, status: PENDING_STATUSES }),
    enabled: !isStatusFiltered,
  });
  const history = useQuery({
    ...trpc.operations.list.queryOptions({
      kind: filters.kind,
      vmId: filters.vmId,
      status: filters.status ? [filters.status] : [...FINAL_OPERATION_STATUSES],
      cursor,
      limit: PAGE_SIZE,
    }),
    placeholderData: keepPreviousData,
  });
  const live = useOperationEvents({});

  const setParams = useSetListParams();

  return (
    <>
      <PageHeader
        title="Operations"
        actions={
          <ExportCsvLink
            list="operations"
            query={{
              kind: filters.kind,
              vmId: filters.vmId,
              status: filters.status ? [filters.status] : undefined,
            }}
            noun="operations"
          />
        }
        description={
          <>
            Backups and restores: what runs now, what waits and why, and what finished.{' '}
            <span className="text-fg-subtle">
              {live.status === 'pending' ? 'Updating live.' : 'Connecting to live updates…'}
            </span>
          </>
        }
      />
      <form
        aria-label="Filter operations"
        className="mb-6 flex flex-wrap items-end gap-4"
        onSubmit={(event) => event.preventDefault()}
      >
        <FilterSelect
          id="operation-status"
          label="Status"
          value={filters.status}
          onChange={(status) => setParams({ status })}
          anyLabel="Any (running, waiting, finished)"
          options={OPERATION_STATUSES.map((status) => ({
            value: status,
            label: OPERATION_STATUS_LABELS[status],
          }))}
        />
        <FilterSelect
          id="operation-kind"
          label="Kind"
          value={filters.kind}
          onChange={(kind) => setParams({ kind })}
          anyLabel="Every kind"
          options={KIND_OPTIONS}
        />
        {filters.vmId ? (
          <Button type="button" variant="secondary" onClick={() => setParams({ vmId: undefined })}>
            Show every VM's operations
          </Button>
        ) : null}
      </form>

      <div className="flex flex-col gap-6">
        {isStatusFiltered ? null : (
          <>
            <OperationSection
              title="Running"
              description="Operations holding their locks and running steps now."
              query={active}
              emptyText="Nothing is running."
            />
            <OperationSection
              title="Queued and waiting"
              description="Operations that have not started yet, with what they wait for."
              query={pending}
              emptyText="Nothing is waiting."
            />
          </>
        )}
        <OperationSection
          title={
            isStatusFiltered
              ? `Only ${OPERATION_STATUS_LABELS[filters.status as OperationStatus]}`
              : 'Finished'
          }
          description="Newest first."
          query={history}
          emptyText="No operation matches these filters."
          footer={
            <Pager
              nextCursor={history.data?.nextCursor}
              total={undefined}
              shown={history.data?.items.length ?? 0}
              noun="operations"
            />
          }
        />
      </div>
    </>
  );
}

function OperationSection({
  title,
  description,
  query,
  emptyText,
  footer,
}: {
  title: string;
  description: string;
  query: { isPending: boolean; isError: boolean; error: unknown; data?: { items: OperationRow[] } };
  emptyText: string;
  footer?: React.ReactNode;
}) {
  const headingId = `operations-${title.toLowerCase().replace(/[^a-z]+/g, '-')}`;
  return (
    <Card aria-labelledby={headingId}>
      <CardHeader>
        <CardTitle id={headingId}>{title}</CardTitle>
        <CardDescription>{description}</CardDescription>
      </CardHeader>
      <CardContent>
        {query.isPending ? (
          <LoadingState label={`Loading ${title.toLowerCase()} operations…`} />
        ) : query.isError ? (
          <ErrorState error={query.error} title="Could not load operations" />
        ) : query.data && query.data.items.length > 0 ? (
          <OperationTable caption={title} rows={query.data.items} />
        ) : (
          <EmptyState>{emptyText}</EmptyState>
        )}
        {footer}
      </CardContent>
    </Card>
  );
}

/** Columns of an operation table; `now` measures the duration of what still runs. */
function operationColumns(now: Date): DataTableColumn<OperationRow>[] {
  return [
    {
      id: 'operation',
      header: 'Operation',
      cell: ({ row: { original: row } }) => (
        <>
          <Link
            href={`/operations/${encodeURIComponent(row.id)}`}
            className="font-medium text-accent underline underline-offset-2 hover:decoration-2"
          >
            {row.title}
          </Link>
          <div className="text-xs text-fg-subtle">
            {OPERATION_KIND_LABELS[row.kind]}
            {row.jobId
              ? row.isScheduledRun
                ? ' · scheduled run of a job'
                : ' · job run, started by hand'
              : ''}
            {row.retryOfId ? ' · retry' : ''}
          </div>
        </>
      ),
    },
    {
      id: 'status',
      header: 'Status',
      cell: ({ row: { original: row } }) => <OperationOutcome operation={row} />,
    },
    {
      id: 'progress',
      header: 'Progress',
      meta: { className: 'tabular-nums' },
      cell: ({ row: { original: row } }) => (
        <>
          {describeOperationProgress(row)}
          <div className="text-xs text-fg-subtle">{formatBytes(row.bytesDone)} copied</div>
        </>
      ),
    },
    {
      id: 'created',
      header: 'Created',
      meta: { className: 'whitespace-nowrap' },
      cell: ({ row }) => formatTime(row.original.createdAt),
    },
    {
      id: 'duration',
      header: 'Duration',
      meta: { className: 'tabular-nums' },
      cell: ({ row }) => formatElapsed(elapsedMs(row.original.startedAt, row.original.finishedAt, now)),
    },
  ];
}

function OperationTable({ caption, rows }: { caption: string; rows: OperationRow[] }) {
  return (
    <DataTable
      columns={operationColumns(new Date())}
      rows={rows}
      getRowId={(row) => row.id}
      caption={`${caption} operations`}
    />
  );
}
