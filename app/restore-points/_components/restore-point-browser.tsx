'use client';

import { keepPreviousData, useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { usePathname, useRouter, useSearchParams } from 'next/navigation';
import { FilterSelect } from '@/app/_components/filter-select';
import { PageHeader } from '@/app/_components/page-header';
import { Pager } from '@/app/_components/pager';
import { EmptyState, ErrorState, LoadingState } from '@/app/_components/query-state';
import { Badge } from '@/app/_components/ui/badge';
import { Button } from '@/app/_components/ui/button';
import { Input } from '@/app/_components/ui/input';
import { Label } from '@/app/_components/ui/label';
import { Select } from '@/app/_components/ui/select';
import {
  Table,
  TableBody,
  TableCaption,
  TableCell,
  TableHead,
  TableHeader,
  TableRow,
} from '@/app/_components/ui/table';
import { CONSISTENCY_LABELS, formatBytes, METHOD_LABELS } from '@/app/_lib/format';
import { pickEnum, readCursorState } from '@/app/_lib/list-url';
import { CONSISTENCY_TONES, formatDateTime, VERDICT_TONES } from '@/app/_lib/restore-format';
import { useTRPC } from '@/app/_lib/trpc';
import { useSetListParams } from '@/app/_lib/use-set-list-params';
import { BACKUP_METHODS, CONSISTENCY_LEVELS } from '@/server/engine/types';
import { RESTORE_POINT_SORTS } from '@/server/schemas/wizard';
import { PointDetailsDrawer } from './point-details-drawer';

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
  const hosts = useQuery(trpc.hosts.list.queryOptions({ limit: 100 }));
  const vms = useQuery(trpc.vms.list.queryOptions({ hostId: filters.hostId, limit: 100 }));

  const set = useSetListParams();
  const openPoint = (id: string | null) => {
    const next = new URLSearchParams(params);
    if (id) next.set('point', id);
    else next.delete('point');
    router.push(`${pathname}?${next.toString()}`, { scroll: false });
  };

  return (
    <>
      <PageHeader
        title="Restore points"
        description="Every point in the catalogue, filtered and paged on the server. Open one to see what it holds, verify it or delete it."
        actions={
          <Button asChild>
            <Link href="/restore/new">Restore…</Link>
          </Button>
        }
      />
      <form
        aria-label="Filter restore points"
        className="mb-4 flex flex-wrap items-end gap-3"
        onSubmit={(event) => event.preventDefault()}
      >
        <FilterSelect
          id="filter-host"
          label="Host"
          value={filters.hostId}
          onChange={(hostId) => set({ hostId, vmId: undefined })}
          anyLabel="Any host"
          options={hosts.data?.items.map((host) => ({ value: host.id, label: host.name })) ?? []}
          selectClassName="w-44"
        />
        <FilterSelect
          id="filter-vm"
          label="VM"
          value={filters.vmId}
          onChange={(vmId) => set({ vmId })}
          anyLabel="Any VM"
          options={vms.data?.items.map((vm) => ({ value: vm.id, label: vm.name })) ?? []}
          selectClassName="w-44"
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
          <Link href="/backup/new" className="text-brand-700 underline">
            Create a backup
          </Link>
          .
        </EmptyState>
      ) : (
        <>
          <Table>
            <TableCaption>Restore points</TableCaption>
            <TableHeader>
              <TableRow>
                <TableHead scope="col" aria-sort={filters.sort === 'newest' ? 'descending' : 'ascending'}>
                  <button
                    type="button"
                    className="uppercase hover:underline"
                    onClick={() => set({ sort: filters.sort === 'newest' ? 'oldest' : undefined })}
                  >
                    Created {filters.sort === 'newest' ? '↓' : '↑'}
                  </button>
                </TableHead>
                <TableHead scope="col">VM</TableHead>
                <TableHead scope="col">Host</TableHead>
                <TableHead scope="col">Method</TableHead>
                <TableHead scope="col">Consistency</TableHead>
                <TableHead scope="col" className="text-right">
                  Size
                </TableHead>
                <TableHead scope="col">Verified</TableHead>
                <TableHead scope="col">
                  <span className="sr-only">Actions</span>
                </TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {points.data.items.map((point) => (
                <TableRow key={point.id}>
                  <TableCell className="whitespace-nowrap tabular-nums">
                    {formatDateTime(point.createdAt)}
                  </TableCell>
                  <TableCell className="font-medium">{point.vmName}</TableCell>
                  <TableCell>{point.hostName ?? '—'}</TableCell>
                  <TableCell>{METHOD_LABELS[point.method]}</TableCell>
                  <TableCell>
                    <Badge tone={CONSISTENCY_TONES[point.consistency]}>
                      {CONSISTENCY_LABELS[point.consistency]}
                    </Badge>
                  </TableCell>
                  <TableCell className="text-right tabular-nums">{formatBytes(point.sizeBytes)}</TableCell>
                  <TableCell>
                    {point.lastVerdict ? (
                      <Badge tone={VERDICT_TONES[point.lastVerdict]}>{point.lastVerdict}</Badge>
                    ) : (
                      'never'
                    )}
                  </TableCell>
                  <TableCell>
                    <Button
                      size="sm"
                      variant="secondary"
                      onClick={() => openPoint(point.id)}
                      aria-label={`Details of ${point.vmName} point ${formatDateTime(point.createdAt)}`}
                    >
                      Details
                    </Button>
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
          <Pager
            nextCursor={points.data.nextCursor}
            total={undefined}
            shown={points.data.items.length}
            noun="points"
          />
        </>
      )}
      <PointDetailsDrawer pointId={openPointId} onClose={() => openPoint(null)} />
    </>
  );
}
