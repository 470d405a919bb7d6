'use client';

import { keepPreviousData, useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useSearchParams } from 'next/navigation';
import { DataTable, type DataTableColumn } from '@/app/_components/data-table';
import { FilterSelect } from '@/app/_components/filter-select';
import { Pager } from '@/app/_components/pager';
import { EmptyState, ErrorState, LoadingState } from '@/app/_components/query-state';
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/app/_components/ui/card';
import { Input } from '@/app/_components/ui/input';
import { Label } from '@/app/_components/ui/label';
import { formatBytes } from '@/app/_lib/format';
import { pickEnum, readCursorState } from '@/app/_lib/list-url';
import { type RouterOutputs, useTRPC } from '@/app/_lib/trpc';
import { useSetListParams } from '@/app/_lib/use-set-list-params';
import {
  elapsedMs,
  formatElapsed,
  formatTime,
  OPERATION_STATUS_LABELS,
} from '@/app/operations/_components/operation-format';
import { OperationOutcome } from '@/app/operations/_components/operation-outcome';
import { OPERATION_STATUSES } from '@/server/engine/statuses';

const PAGE_SIZE = 20;

type Run = RouterOutputs['operations']['list']['items'][number];

function runColumns(now: Date): DataTableColumn<Run>[] {
  return [
    {
      id: 'requested',
      header: 'Requested',
      cell: ({ row: { original: run } }) => (
        <Link
          href={`/operations/${encodeURIComponent(run.id)}`}
          className="text-accent underline-offset-2 hover:underline"
        >
          {formatTime(run.createdAt)}
        </Link>
      ),
    },
    { id: 'status', header: 'Status', cell: ({ row }) => <OperationOutcome operation={row.original} /> },
    {
      id: 'duration',
      header: 'Duration',
      meta: { className: 'tabular-nums' },
      cell: ({ row: { original: run } }) => formatElapsed(elapsedMs(run.startedAt, run.finishedAt, now)),
    },
    {
      id: 'copied',
      header: 'Copied',
      meta: { className: 'tabular-nums' },
      cell: ({ row }) => formatBytes(row.original.bytesDone),
    },
  ];
}
const DAY_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

/** A `YYYY-MM-DD` day of the URL as the operator's local midnight (the next day's for an end). */
export function dayBoundary(day: string | null, isEnd: boolean): Date | undefined {
  if (!day || !DAY_PATTERN.test(day)) return undefined;
  const date = new Date(`${day}T00:00:00`);
  if (Number.isNaN(date.getTime())) return undefined;
  if (isEnd) date.setDate(date.getDate() + 1);
  return date;
}

/**
 * Every run of the job, newest first, filtered by status and by the days they were requested (in
 * the URL, so a filtered history can be linked), paged by the server's keyset cursor.
 */
export function JobRunHistory({ jobId }: { jobId: string }) {
  const trpc = useTRPC();
  const params = new URLSearchParams(useSearchParams());
  const status = pickEnum(params.get('status'), OPERATION_STATUSES);
  const from = params.get('from') ?? '';
  const to = params.get('to') ?? '';
  const { cursor } = readCursorState(params);
  const setParams = useSetListParams();
  const runs = useQuery({
    ...trpc.operations.list.queryOptions({
      jobId,
      status: status ? [status] : undefined,
      createdFrom: dayBoundary(from, false),
      createdBefore: dayBoundary(to, true),
      cursor,
      limit: PAGE_SIZE,
    }),
    placeholderData: keepPreviousData,
  });
  const now = new Date();
  const isFiltered = status !== undefined || from !== '' || to !== '';
  return (
    <Card aria-labelledby="job-runs-title">
      <CardHeader>
        <CardTitle id="job-runs-title">Run history</CardTitle>
        <CardDescription>Every run of this job, newest first.</CardDescription>
      </CardHeader>
      <CardContent>
        <form
          aria-label="Filter runs"
          className="mb-4 flex flex-wrap items-end gap-4"
          onSubmit={(event) => event.preventDefault()}
        >
          <FilterSelect
            id="run-status"
            label="Status"
            value={status}
            onChange={(value) => setParams({ status: value })}
            anyLabel="Any status"
            options={OPERATION_STATUSES.map((value) => ({ value, label: OPERATION_STATUS_LABELS[value] }))}
          />
          <div className="flex flex-col gap-1">
            <Label htmlFor="run-from">Requested from</Label>
            <Input
              id="run-from"
              type="date"
              value={from}
              max={to || undefined}
              onChange={(event) => setParams({ from: event.target.value })}
              className="w-44"
            />
          </div>
          <div className="flex flex-col gap-1">
            <Label htmlFor="run-to">Requested to (inclusive)</Label>
            <Input
              id="run-to"
              type="date"
              value={to}
              min={from || undefined}
              onChange={(event) => setParams({ to: event.target.value })}
              className="w-44"
            />
          </div>
        </form>
        {runs.isPending ? (
          <LoadingState label="Loading runs…" />
        ) : runs.isError ? (
          <ErrorState error={runs.error} title="Could not load the runs" />
        ) : runs.data.items.length === 0 ? (
          <EmptyState>
            {isFiltered ? 'No run matches these filters.' : 'This job has not run yet.'}
          </EmptyState>
        ) : (
          <DataTable
            columns={runColumns(now)}
            rows={runs.data.items}
            getRowId={(run) => run.id}
            caption="Runs of this job"
            isBusy={runs.isPlaceholderData || undefined}
          />
        )}
        <Pager
          nextCursor={runs.data?.nextCursor}
          total={undefined}
          shown={runs.data?.items.length ?? 0}
          noun="runs"
        />
      </CardContent>
    </Card>
  );
}
