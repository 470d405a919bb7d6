'use client';

import { keepPreviousData, useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useSearchParams } from 'next/navigation';
import { ExportCsvLink } from '@/app/_components/export-csv-link';
import { FilterSelect } from '@/app/_components/filter-select';
import { PageHeader } from '@/app/_components/page-header';
import { ReadinessSummary } from '@/app/_components/readiness-summary';
import { ServerList, type ServerListColumn } from '@/app/_components/server-list';
import { Badge } from '@/app/_components/ui/badge';
import { filtersOf, pickEnum } from '@/app/_lib/list-url';
import { type RouterOutputs, useTRPC } from '@/app/_lib/trpc';
import { useSetListParams } from '@/app/_lib/use-set-list-params';
import { HYPERVISOR_KINDS } from '@/server/engine/inventory';
import { HYPERVISOR_LABELS } from '@/server/engine/words';
import { HOST_SORTS, SORT_DIRECTIONS } from '@/server/schemas/inventory-queries';

export { HYPERVISOR_LABELS };

type HostRow = RouterOutputs['hosts']['list']['items'][number];

const columns: ServerListColumn<HostRow>[] = [
  {
    header: 'Name',
    sortKey: 'name',
    cell: (host) => (
      <Link
        href={`/hosts/${encodeURIComponent(host.id)}`}
        className="font-medium text-accent underline underline-offset-2 hover:decoration-2"
      >
        {host.name}
      </Link>
    ),
  },
  {
    header: 'Hypervisor',
    sortKey: 'kind',
    cell: (host) =>
      `${HYPERVISOR_LABELS[host.kind]} ${host.version}${host.pool ? ` · pool ${host.pool}` : ''}`,
  },
  {
    header: 'Backup capability',
    cell: (host) =>
      host.kind === 'hyperv' ? (
        host.hasVssAwareProduct ? (
          <Badge tone="success">VSS-aware product</Badge>
        ) : (
          <Badge tone="warning">Windows Server Backup only</Badge>
        )
      ) : host.offersQuiescedSnapshots ? (
        <Badge tone="success">Quiesced snapshots offered</Badge>
      ) : (
        <Badge tone="warning">No quiesced snapshots</Badge>
      ),
  },
  { header: 'Volumes', className: 'text-right tabular-nums', cell: (host) => host.volumeCount },
  { header: 'VMs', sortKey: 'vmCount', className: 'text-right tabular-nums', cell: (host) => host.vmCount },
  {
    header: 'VM readiness',
    cell: (host) => (
      <ReadinessSummary
        counts={host.readinessCounts}
        goneCount={host.goneVmCount}
        hrefFor={(filter) =>
          `/vms?hostId=${encodeURIComponent(host.id)}&${filter === 'gone' ? 'presence=gone' : `readiness=${filter}`}`
        }
      />
    ),
  },
];

export function HostList() {
  const trpc = useTRPC();
  const searchParams = useSearchParams();
  const setParams = useSetListParams();
  const input = {
    search: searchParams.get('search') || undefined,
    kind: pickEnum(searchParams.get('kind'), HYPERVISOR_KINDS),
    sort: pickEnum(searchParams.get('sort'), HOST_SORTS) ?? 'name',
    direction: pickEnum(searchParams.get('direction'), SORT_DIRECTIONS) ?? 'asc',
    cursor: searchParams.get('cursor') || undefined,
    limit: 25,
  };
  const hosts = useQuery({ ...trpc.hosts.list.queryOptions(input), placeholderData: keepPreviousData });
  const count = useQuery(trpc.hosts.count.queryOptions(filtersOf(input)));
  return (
    <>
      <PageHeader
        title="Hosts"
        description="Hypervisors, what backup they can offer, and how ready their VMs are."
        actions={<ExportCsvLink list="hosts" query={input} noun="hosts" />}
      />
      <ServerList
        noun="hosts"
        caption="Hosts"
        query={hosts}
        count={count}
        columns={columns}
        sort={input.sort}
        direction={input.direction}
        search={input.search}
        searchLabel="Search by name or pool"
        filters={
          <FilterSelect
            id="filter-kind"
            label="Hypervisor"
            value={input.kind}
            onChange={(kind) => setParams({ kind })}
            options={HYPERVISOR_KINDS.map((kind) => ({ value: kind, label: HYPERVISOR_LABELS[kind] }))}
            className="w-48"
          />
        }
      />
    </>
  );
}
