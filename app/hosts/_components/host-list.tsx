'use client';

import { keepPreviousData, useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { usePathname, useRouter, useSearchParams } from 'next/navigation';
import { PageHeader } from '@/app/_components/page-header';
import { ReadinessSummary } from '@/app/_components/readiness-summary';
import { ServerList, type ServerListColumn } from '@/app/_components/server-list';
import { Badge } from '@/app/_components/ui/badge';
import { Label } from '@/app/_components/ui/label';
import { Select } from '@/app/_components/ui/select';
import { pickEnum, withParams } from '@/app/_lib/list-url';
import { type RouterOutputs, useTRPC } from '@/app/_lib/trpc';
import { HYPERVISOR_KINDS } from '@/server/engine/inventory';
import { HOST_SORTS, SORT_DIRECTIONS } from '@/server/schemas/inventory-queries';

type HostRow = RouterOutputs['hosts']['list']['items'][number];

export const HYPERVISOR_LABELS = { hyperv: 'Hyper-V', xenserver: 'XenServer' } as const;

const columns: ServerListColumn<HostRow>[] = [
  {
    header: 'Name',
    sortKey: 'name',
    cell: (host) => (
      <Link
        href={`/hosts/${encodeURIComponent(host.id)}`}
        className="font-medium text-brand-700 hover:underline"
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
        hrefFor={(readiness) => `/vms?hostId=${encodeURIComponent(host.id)}&readiness=${readiness}`}
      />
    ),
  },
];

export function HostList() {
  const trpc = useTRPC();
  const router = useRouter();
  const pathname = usePathname();
  const searchParams = useSearchParams();
  const input = {
    search: searchParams.get('search') || undefined,
    kind: pickEnum(searchParams.get('kind'), HYPERVISOR_KINDS),
    sort: pickEnum(searchParams.get('sort'), HOST_SORTS) ?? 'name',
    direction: pickEnum(searchParams.get('direction'), SORT_DIRECTIONS) ?? 'asc',
    cursor: searchParams.get('cursor') || undefined,
    limit: 25,
  };
  const hosts = useQuery({ ...trpc.hosts.list.queryOptions(input), placeholderData: keepPreviousData });
  return (
    <>
      <PageHeader
        title="Hosts"
        description="Hypervisors, what backup they can offer, and how ready their VMs are."
      />
      <ServerList
        noun="hosts"
        caption="Hosts"
        query={hosts}
        columns={columns}
        sort={input.sort}
        direction={input.direction}
        search={input.search}
        searchLabel="Search by name or pool"
        filters={
          <div className="flex w-48 flex-col gap-1">
            <Label htmlFor="filter-kind">Hypervisor</Label>
            <Select
              id="filter-kind"
              value={input.kind ?? ''}
              onChange={(event) => {
                const query = withParams(new URLSearchParams(searchParams), {
                  kind: event.target.value || undefined,
                });
                router.push(query ? `${pathname}?${query}` : pathname);
              }}
            >
              <option value="">Any</option>
              {HYPERVISOR_KINDS.map((kind) => (
                <option key={kind} value={kind}>
                  {HYPERVISOR_LABELS[kind]}
                </option>
              ))}
            </Select>
          </div>
        }
      />
    </>
  );
}
