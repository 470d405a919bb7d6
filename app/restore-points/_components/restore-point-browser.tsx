'use client';

import { keepPreviousData, useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { usePathname, useRouter, useSearchParams } from 'next/navigation';
import { Can } from '@/app/_components/account/can';
import { DataTable, type DataTableColumn } from '@/app/_components/data-table';
import { ExportCsvLink } from '@/app/_components/export-csv-link';
import { FilterSelect } from '@/app/_components/filter-select';
import { HostPicker } from '@/app/_components/host-picker';
import { PageHeader } from '@/app/_components/page-header';
import { PartialPointBadge } from '@/app/_components/partial-point-badge';
import { EmptyState, ErrorState, LoadingState } from '@/app/_components/query-state';
import { Badge } from '@/app/_components/ui/badge';
import { Button } from '@/app/_components/ui/button';
import { Input } from '@/app/_components/ui/input';
import { Label } from '@/app/_components/ui/label';
import { Select } from '@/app/_components/ui/select';
import { VmPicker } from '@/app/_components/vm-picker';
import { CONSISTENCY_LABELS, consistencyLabel, formatBytes, METHOD_LABELS } from '@/app/_lib/format';
import { pickEnum, readCursorState } from '@/app/_lib/list-url';
import { CONSISTENCY_TONES, formatDateTime, VERDICT_TONES } from '@/app/_lib/restore-format';
import { type RouterOutputs, useTRPC } from '@/app/_lib/trpc';
import { useSetListParams } from '@/app/_lib/use-set-list-params';
import { BACKUP_METHODS, CONSISTENCY_LEVELS } from '@/server/engine/types';
import { RESTORE_POINT_SORTS } from '@/server/schemas/wizard';
import { PointDetailsDrawer } from './point-details-drawer';

type PointRow = RouterOutputs['restorePoints']['list']['items'][number];

/** The browser's columns; `openPoint` opens a point's details drawer. */
function pointColumns(openPoint: (id: string) => void): DataTableColumn<PointRow>[] {
  return [
    {
      id: 'createdAt',
      header: 'Created',
      meta: { className: 'whitespace-nowrap tabular-nums' },
      cell: ({ row }) => formatDateTime(row.original.createdAt),
    },
    {
      id: 'vm',
      header: 'VM',
      meta: { className: 'font-medium' },
      cell: ({ row: { original: point } }) => (
        <span className="flex flex-wrap items-center gap-1">
          {point.vmName}
          {/* A snapshot kept on the pool: its name there, and whether it still exists. */}
          {point.locationKind === 'pool-snapshot' ? (
            <Badge
              tone="info"
              title="A snapshot kept on the VM's XenServer pool, not a copy in the repository"
            >
              on pool: {point.locationName}
            </Badge>
          ) : null}
          {point.locationKind === 'array-snapshot' ? (
            <Badge
              tone="info"
              title="Copied into the repository; its array snapshot is kept on the array too (volume revert, staged restore)"
            >
              on array: {point.locationName}
            </Badge>
          ) : null}
          {point.includesMemory ? (
            <Badge tone="info" title="A memory checkpoint: a revert brings the VM back running as it was">
              with memory
            </Badge>
          ) : null}
          {point.goneSince ? (
            <Badge tone="danger" title={point.goneReason ?? undefined}>
              gone
            </Badge>
          ) : null}
        </span>
      ),
    },
    { id: 'host', header: 'Host', cell: ({ row }) => row.original.hostName ?? '—' },
    { id: 'method', header: 'Method', cell: ({ row }) => METHOD_LABELS[row.original.method] },
    {
      id: 'consistency',
      header: 'Consistency',
      cell: ({ row }) => (
        <span className="flex flex-wrap items-center gap-1">
          <Badge tone={CONSISTENCY_TONES[row.original.consistency]}>
            {consistencyLabel(row.original.consistency, row.original.captureState)}
          </Badge>
          <PartialPointBadge point={row.original} />
        </span>
      ),
    },
    {
      id: 'size',
      header: 'Size',
      meta: { className: 'text-right tabular-nums' },
      cell: ({ row }) => formatBytes(row.original.sizeBytes),
    },
    {
      id: 'verified',
      header: 'Verified',
      cell: ({ row }) =>
        row.original.lastVerdict ? (
          <Badge tone={VERDICT_TONES[row.original.lastVerdict]}>{row.original.lastVerdict}</Badge>
        ) : (
          'never'
        ),
    },
    {
      id: 'actions',
      header: () => <span className="sr-only">Actions</span>,
      cell: ({ row: { original: point } }) => (
        <Button
          size="sm"
          variant="secondary"
          onClick={() => openPoint(point.id)}
          aria-label={`Details of ${point.vmName} point ${formatDateTime(point.createdAt)}`}
        >
          Details
        </Button>
      ),
    },
  ];
}

/** A date input's value (YYYY-MM-DD) as the start or the end of that UTC day. */
function dayBound(value: string | null, edge: 'start' | 'end'): Date | undefined {
  if (!value || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return undefined;
  return new Date(`${value}T${edge === 'start' ? '00:00:00.000' : '23:59:59.999'}Z`);
}

/** One end of the created-at range; the URL keeps the day as typed and `dayBound` widens it. */
function DayFilter({
  id,
  label,
  value,
  onChange,
}: {
  id: string;
  label: string;
  value: string | null;
  onChange: (day: string) => void;
}) {
  return (
    <div className="flex flex-col gap-1">
      <Label htmlFor={id}>{label}</Label>
      <Input
        id={id}
        type="date"
        value={value ?? ''}
        onChange={(event) => onChange(event.target.value)}
        className="w-40"
      />
    </div>
  );
}

export function RestorePointBrowser() {
  const trpc = useTRPC();
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const { cursor } = readCursorState(params);
  const filters = {
    hostId: params.get('hostId') || undefined,
    vmId: params.get('vmId') || undefined,
    method: pickEnum(params.get('method'), BACKUP_METHODS),
    consistency: pickEnum(params.get('consistency'), CONSISTENCY_LEVELS),
    createdFrom: dayBound(params.get('from'), 'start'),
    createdTo: dayBound(params.get('to'), 'end'),
    sort: pickEnum(params.get('sort'), RESTORE_POINT_SORTS) ?? 'newest',
  };
  const openPointId = params.get('point');
  const points = useQuery({
    ...trpc.restorePoints.list.queryOptions({ ...filters, cursor, limit: 50 }),
    placeholderData: keepPreviousData,
  });

  const set = useSetListParams();
  const openPoint = (id: string | null) => {
    const next = new URLSearchParams(params);
    if (id) next.set('point', id);
    else next.delete('point');
    router.push(`${pathname}?${next.toString()}`, { scroll: false });
  };
  const columns = pointColumns(openPoint);

  return (
    <>
      <PageHeader
        title="Restore points"
        description="Every point in the catalogue, filtered and paged on the server. Open one to see what it holds, verify it or delete it."
        actions={
          <>
            <ExportCsvLink list="restore-points" query={filters} noun="restore points" />
            <Can capability="restore">
              <Button asChild>
                <Link href="/restore/new">Restore…</Link>
              </Button>
            </Can>
          </>
        }
      />
      <form
        aria-label="Filter restore points"
        className="mb-4 flex flex-wrap items-end gap-3"
        onSubmit={(event) => event.preventDefault()}
      >
        {/* Type-ahead pickers matched on the server: any of 1,000 hosts or 20,000 VMs, not the first 100. */}
        <HostPicker
          label="Host"
          value={filters.hostId ?? ''}
          onChange={(hostId) => set({ hostId, vmId: undefined })}
          anyLabel="Any host"
          className="w-48"
        />
        <VmPicker
          label="VM"
          value={filters.vmId ?? ''}
          onChange={(vmId) => set({ vmId })}
          hostId={filters.hostId}
          anyLabel="Any VM"
          className="w-48"
        />
        <FilterSelect
          id="filter-method"
          label="Method"
          value={filters.method}
          onChange={(method) => set({ method })}
          anyLabel="Any method"
          options={BACKUP_METHODS.map((method) => ({ value: method, label: METHOD_LABELS[method] }))}
          selectClassName="w-52"
        />
        <FilterSelect
          id="filter-consistency"
          label="Consistency"
          value={filters.consistency}
          onChange={(consistency) => set({ consistency })}
          anyLabel="Any consistency"
          options={CONSISTENCY_LEVELS.map((level) => ({ value: level, label: CONSISTENCY_LABELS[level] }))}
          selectClassName="w-48"
        />
        <DayFilter
          id="filter-from"
          label="From (UTC)"
          value={params.get('from')}
          onChange={(from) => set({ from })}
        />
        <DayFilter id="filter-to" label="To (UTC)" value={params.get('to')} onChange={(to) => set({ to })} />
        <div className="flex flex-col gap-1">
          <Label htmlFor="filter-sort">Sort</Label>
          <Select
            id="filter-sort"
            value={filters.sort}
            onChange={(event) =>
              set({ sort: event.target.value === 'newest' ? undefined : event.target.value })
            }
            className="w-36"
          >
            <option value="newest">Newest first</option>
            <option value="oldest">Oldest first</option>
          </Select>
        </div>
        <Button type="button" variant="ghost" onClick={() => router.push(pathname)}>
          Clear filters
        </Button>
      </form>

      {points.isPending ? (
        <LoadingState label="Loading restore points…" />
      ) : points.isError ? (
        <ErrorState error={points.error} title="Could not load restore points" />
      ) : points.data.items.length === 0 ? (
        <EmptyState>
          No restore point matches these filters.{' '}
          <Link href="/backup/new" className="text-accent underline">
            Create a backup
          </Link>
          .
        </EmptyState>
      ) : (
        <>
          <DataTable
            columns={columns}
            rows={points.data.items}
            getRowId={(point) => point.id}
            caption="Restore points"
            sort={{ columnId: 'createdAt', direction: filters.sort === 'newest' ? 'desc' : 'asc' }}
            sortableColumnIds={['createdAt']}
            onSort={(_, direction) => set({ sort: direction === 'desc' ? undefined : 'oldest' })}
            isBusy={points.isFetching}
            page={{ nextCursor: points.data.nextCursor, noun: 'points' }}
          />
        </>
      )}
      <PointDetailsDrawer pointId={openPointId} onClose={() => openPoint(null)} />
    </>
  );
}
