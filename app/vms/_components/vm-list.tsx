'use client';

import { keepPreviousData, useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { usePathname, useSearchParams } from 'next/navigation';
import { type FormEvent, useMemo, useState } from 'react';
import { DataTable, type DataTableColumn } from '@/app/_components/data-table';
import { ExportCsvLink } from '@/app/_components/export-csv-link';
import { type FilterOption, FilterSelect } from '@/app/_components/filter-select';
import { GoneBadge } from '@/app/_components/gone-badge';
import { HostPicker } from '@/app/_components/host-picker';
import { PageHeader } from '@/app/_components/page-header';
import { pageTotalOf } from '@/app/_components/pager';
import { PartialPointBadge } from '@/app/_components/partial-point-badge';
import { PowerStateText } from '@/app/_components/power-state';
import { ProtectionStatusBadge } from '@/app/_components/protection-status-badge';
import { EmptyState, ErrorState, LoadingState } from '@/app/_components/query-state';
import { ruleTitleText } from '@/app/_components/rule-title';
import { StaleHostsAlert } from '@/app/_components/stale-hosts-alert';
import { Badge } from '@/app/_components/ui/badge';
import { Button } from '@/app/_components/ui/button';
import { Card, CardContent } from '@/app/_components/ui/card';
import { Input } from '@/app/_components/ui/input';
import { Label } from '@/app/_components/ui/label';
import { METHOD_LABELS, pluralize, READINESS_LABELS, READINESS_TONES } from '@/app/_lib/format';
import { filtersOf, pickEnum, readCursorState } from '@/app/_lib/list-url';
import { PROTECTION_STATUS_LABELS } from '@/app/_lib/protection-format';
import { formatDateTime } from '@/app/_lib/restore-format';
import { type RouterOutputs, useTRPC } from '@/app/_lib/trpc';
import { useSetListParams } from '@/app/_lib/use-set-list-params';
import { OS_FAMILIES } from '@/server/engine/inventory';
import { PROTECTION_STATUSES } from '@/server/engine/protection';
import { READINESS, RULE_IDS, SEVERITIES } from '@/server/engine/types';
import { STATE_NOT_READ } from '@/server/engine/words';
import {
  POWER_STATE_NOT_READ,
  SORT_DIRECTIONS,
  VM_POWER_FILTERS,
  VM_PRESENCES,
  VM_SORTS,
  type VmListQueryInput,
  type VmSort,
} from '@/server/schemas/inventory-queries';
import { VmBulkActions } from './vm-bulk-actions';
import { VolumeFilterChip } from './volume-filter-chip';

type VmRow = RouterOutputs['vms']['list']['items'][number];

const PAGE_SIZE = 25;

const NONE_SELECTED: ReadonlyMap<string, string> = new Map();

/** Rule ids that describe backups (restore-time rules never appear on the inventory). */
const INVENTORY_RULE_IDS = RULE_IDS.filter((id) => !id.startsWith('RESTORE-') && !id.startsWith('BACKUP-'));

/** The list's select filters: each a URL parameter of the query, with the words its options read. */
const SELECT_FILTERS = [
  { param: 'osFamily', id: 'filter-os', label: 'OS', options: OS_FAMILIES.map(asIs) },
  {
    param: 'powerState',
    id: 'filter-power',
    label: 'Power state',
    // A state read as such, or "state not read": a VM whose state was not read is never listed
    // under the state it is planned as (running, for safety).
    options: VM_POWER_FILTERS.map((value) =>
      value === POWER_STATE_NOT_READ ? { value, label: STATE_NOT_READ } : asIs(value),
    ),
  },
  {
    param: 'presence',
    id: 'filter-presence',
    label: 'Presence',
    options: [
      { value: 'present', label: 'Listed by its host' },
      { value: 'gone', label: 'Gone from its host' },
    ],
  },
  {
    param: 'readiness',
    id: 'filter-readiness',
    label: 'Readiness',
    options: READINESS.map((value) => ({ value, label: READINESS_LABELS[value] })),
  },
  {
    param: 'protection',
    id: 'filter-protection',
    label: 'Protection',
    options: PROTECTION_STATUSES.map((value) => ({ value, label: PROTECTION_STATUS_LABELS[value] })),
  },
  {
    param: 'ruleId',
    id: 'filter-finding',
    label: 'Finding',
    options: INVENTORY_RULE_IDS.map((value) => ({ value, label: ruleTitleText(value) })),
  },
  { param: 'severity', id: 'filter-severity', label: 'Severity', options: SEVERITIES.map(asIs) },
] as const satisfies readonly {
  param: keyof VmListQueryInput;
  id: string;
  label: string;
  options: readonly FilterOption[];
}[];

function asIs(value: string): FilterOption {
  return { value, label: value };
}

function readVmQuery(params: URLSearchParams): VmListQueryInput {
  const { cursor } = readCursorState(params);
  return {
    search: params.get('search') || undefined,
    hostId: params.get('hostId') || undefined,
    hostVolumeId: params.get('hostVolumeId') || undefined,
    arrayVolumeId: params.get('arrayVolumeId') || undefined,
    osFamily: pickEnum(params.get('osFamily'), OS_FAMILIES),
    powerState: pickEnum(params.get('powerState'), VM_POWER_FILTERS),
    presence: pickEnum(params.get('presence'), VM_PRESENCES),
    readiness: pickEnum(params.get('readiness'), READINESS),
    protection: pickEnum(params.get('protection'), PROTECTION_STATUSES),
    ruleId: pickEnum(params.get('ruleId'), RULE_IDS),
    severity: pickEnum(params.get('severity'), SEVERITIES),
    sort: pickEnum(params.get('sort'), VM_SORTS) ?? 'name',
    direction: pickEnum(params.get('direction'), SORT_DIRECTIONS) ?? 'asc',
    cursor,
    limit: PAGE_SIZE,
  };
}

const columns: DataTableColumn<VmRow>[] = [
  {
    id: 'name',
    header: 'Name',
    cell: ({ row }) => (
      <span className="flex flex-wrap items-center gap-1">
        <Link
          href={`/vms/${encodeURIComponent(row.original.id)}`}
          className="whitespace-nowrap font-medium text-accent underline underline-offset-2 hover:decoration-2"
        >
          {row.original.name}
        </Link>
        <GoneBadge hostName={row.original.hostName} goneSince={row.original.goneSince} />
      </span>
    ),
  },
  {
    id: 'host',
    header: 'Host',
    cell: ({ row }) => (
      <Link
        href={`/hosts/${encodeURIComponent(row.original.hostId)}`}
        className="whitespace-nowrap hover:underline"
      >
        {row.original.hostName}
      </Link>
    ),
  },
  {
    id: 'osFamily',
    header: 'OS',
    enableSorting: false,
    cell: ({ row }) => row.original.osFamily ?? <span className="text-warning">not read</span>,
  },
  { id: 'powerState', header: 'Power', cell: ({ row }) => <PowerStateText vm={row.original} /> },
  {
    id: 'readiness',
    header: 'Readiness',
    cell: ({ row }) =>
      row.original.readiness ? (
        <Badge tone={READINESS_TONES[row.original.readiness]}>
          {READINESS_LABELS[row.original.readiness]}
        </Badge>
      ) : (
        '—'
      ),
  },
  {
    id: 'findings',
    header: 'Findings',
    cell: ({ row }) => <FindingCounts row={row.original} />,
  },
  {
    id: 'protection',
    header: 'Protection',
    enableSorting: false,
    cell: ({ row }) => <ProtectionCell vm={row.original} />,
  },
  {
    id: 'recommended',
    header: 'Recommended method',
    enableSorting: false,
    cell: ({ row }) =>
      row.original.recommendedMethod ? METHOD_LABELS[row.original.recommendedMethod] : 'none',
  },
];

/** The VM's protection status and its last good point (marked when partial), as the protection page says. */
function ProtectionCell({ vm }: { vm: VmRow }) {
  const lastPoint = vm.protection?.lastPoint ?? null;
  return (
    <span className="flex flex-col items-start gap-1">
      <ProtectionStatusBadge status={vm.protection?.status ?? null} className="whitespace-normal" />
      {vm.protection === null ? null : lastPoint ? (
        <span className="flex flex-wrap items-center gap-1 text-xs text-fg-muted">
          last good point {formatDateTime(lastPoint.createdAt)}
          <PartialPointBadge point={{ ...lastPoint, vmName: vm.name }} />
        </span>
      ) : (
        <span className="text-xs text-fg-muted">no good point</span>
      )}
    </span>
  );
}

function FindingCounts({ row }: { row: VmRow }) {
  // A gone VM has no findings counts, as no readiness: its own page keeps its findings.
  if (row.blockerCount === null || row.warningCount === null) return '—';
  if (row.blockerCount + row.warningCount === 0) return <span className="text-fg-subtle">none</span>;
  return (
    <span className="flex flex-wrap gap-1">
      {row.blockerCount > 0 ? <Badge tone="danger">{pluralize(row.blockerCount, 'blocker')}</Badge> : null}
      {row.warningCount > 0 ? <Badge tone="warning">{pluralize(row.warningCount, 'warning')}</Badge> : null}
    </span>
  );
}

export function VmList() {
  const trpc = useTRPC();
  const pathname = usePathname();
  const searchParams = useSearchParams();
  const query = useMemo(() => readVmQuery(new URLSearchParams(searchParams)), [searchParams]);

  const vms = useQuery({ ...trpc.vms.list.queryOptions(query), placeholderData: keepPreviousData });
  // Counted apart from the page and keyed by the filters alone: paging and sorting reuse the count.
  const count = useQuery(trpc.vms.count.queryOptions(filtersOf(query)));

  const setParams = useSetListParams();
  // Ticked VMs stay ticked across pages and sorts until acted on or cleared; they belong to the
  // filters they were ticked under, so a filter change clears them (none is acted on unseen).
  const filterKey = JSON.stringify(filtersOf(query));
  const [ticked, setTicked] = useState<{ filterKey: string; vms: ReadonlyMap<string, string> }>({
    filterKey,
    vms: new Map(),
  });
  const selected = ticked.filterKey === filterKey ? ticked.vms : NONE_SELECTED;
  const setSelected = (vms: ReadonlyMap<string, string>) => setTicked({ filterKey, vms });
  // The rows shown are the previous filter's or page's while the new ones load: nothing is ticked
  // or acted on until they have arrived.
  const isStale = vms.isPlaceholderData;
  const onSelectionChange = (ids: Set<string>) => {
    const names = new Map([...(vms.data?.items ?? []).map((vm) => [vm.id, vm.name] as const)]);
    setSelected(new Map([...ids].map((id) => [id, selected.get(id) ?? names.get(id) ?? id])));
  };

  const onSearch = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const value = new FormData(event.currentTarget).get('search');
    setParams({ search: typeof value === 'string' ? value.trim() : undefined });
  };

  const hasFilters = [...searchParams.keys()].some(
    (key) => !['sort', 'direction', 'cursor', 'back'].includes(key),
  );

  return (
    <>
      <PageHeader
        title="Virtual machines"
        description="Every VM with its backup readiness, findings and the recommended method. Filters live in the address, so a filtered list can be bookmarked or shared."
        actions={<ExportCsvLink list="vms" query={query} noun="VMs" />}
      />
      <StaleHostsAlert />
      <Card className="mb-4">
        <CardContent className="flex flex-col gap-4">
          <search>
            <form onSubmit={onSearch} className="flex items-end gap-2" key={query.search ?? ''}>
              <div className="flex max-w-md flex-1 flex-col gap-1">
                <Label htmlFor="vm-search">Search by name</Label>
                <Input
                  id="vm-search"
                  name="search"
                  type="search"
                  defaultValue={query.search ?? ''}
                  placeholder="e.g. sql"
                />
              </div>
              <Button type="submit" variant="secondary">
                Search
              </Button>
            </form>
          </search>
          <div className="grid grid-cols-7 gap-3">
            <HostPicker
              className="min-w-0"
              label="Host"
              value={query.hostId ?? ''}
              onChange={(value) => setParams({ hostId: value })}
              anyLabel="Any host"
            />
            {SELECT_FILTERS.map((filter) => (
              <FilterSelect
                key={filter.id}
                className="min-w-0"
                id={filter.id}
                label={filter.label}
                value={query[filter.param]}
                onChange={(value) => setParams({ [filter.param]: value })}
                options={filter.options}
              />
            ))}
          </div>
          {query.hostVolumeId || query.arrayVolumeId || hasFilters ? (
            <div className="flex flex-wrap items-center gap-2 text-sm">
              {query.hostVolumeId ? (
                <VolumeFilterChip
                  kind="host"
                  id={query.hostVolumeId}
                  onClear={() => setParams({ hostVolumeId: undefined })}
                />
              ) : null}
              {query.arrayVolumeId ? (
                <VolumeFilterChip
                  kind="array"
                  id={query.arrayVolumeId}
                  onClear={() => setParams({ arrayVolumeId: undefined })}
                />
              ) : null}
              {hasFilters ? (
                <Button variant="link" size="sm" asChild>
                  <Link href={pathname}>Clear all filters</Link>
                </Button>
              ) : null}
            </div>
          ) : null}
        </CardContent>
      </Card>

      <VmBulkActions selected={selected} isLoading={isStale} onClear={() => setSelected(new Map())} />
      <Card>
        <CardContent>
          {vms.isPending ? (
            <LoadingState label="Loading VMs…" />
          ) : vms.isError ? (
            <ErrorState error={vms.error} title="Could not load the VMs" />
          ) : vms.data.items.length === 0 ? (
            <EmptyState>No VM matches these filters.</EmptyState>
          ) : (
            <DataTable
              columns={columns}
              rows={vms.data.items}
              getRowId={(row) => row.id}
              caption={`Virtual machines, sorted by ${query.sort}`}
              sort={{ columnId: query.sort ?? 'name', direction: query.direction ?? 'asc' }}
              sortableColumnIds={VM_SORTS}
              onSort={(columnId, direction) => setParams({ sort: columnId as VmSort, direction })}
              isBusy={vms.isFetching}
              page={{ nextCursor: vms.data.nextCursor, total: pageTotalOf(count), noun: 'VMs' }}
              selection={{
                selectedIds: new Set(selected.keys()),
                onChange: onSelectionChange,
                nameOf: (vm) => vm.name,
                isStale,
              }}
            />
          )}
        </CardContent>
      </Card>
    </>
  );
}
