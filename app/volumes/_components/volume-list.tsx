'use client';

import { keepPreviousData, useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useSearchParams } from 'next/navigation';
import { ExportCsvLink } from '@/app/_components/export-csv-link';
import { FilterSelect } from '@/app/_components/filter-select';
import { PageHeader } from '@/app/_components/page-header';
import { ServerList, type ServerListColumn } from '@/app/_components/server-list';
import { filtersOf, pickEnum } from '@/app/_lib/list-url';
import { type RouterOutputs, useTRPC } from '@/app/_lib/trpc';
import { useSetListParams } from '@/app/_lib/use-set-list-params';
import {
  describeFreeSpace,
  describeSnapshotSupport,
  HOST_VOLUME_KIND_LABELS,
} from '@/app/_lib/volume-format';
import { HOST_VOLUME_SORTS, SORT_DIRECTIONS } from '@/server/schemas/inventory-queries';

type VolumeRow = RouterOutputs['volumes']['list']['items'][number];

const columns: ServerListColumn<VolumeRow>[] = [
  {
    header: 'Volume',
    sortKey: 'name',
    cell: (volume) => (
      <Link
        href={`/volumes/${encodeURIComponent(volume.id)}`}
        className="font-medium text-accent underline underline-offset-2 hover:decoration-2"
      >
        {volume.name}
      </Link>
    ),
  },
  {
    header: 'Host',
    sortKey: 'host',
    cell: (volume) => (
      <Link href={`/hosts/${encodeURIComponent(volume.hostId)}`} className="hover:underline">
        {volume.hostName}
      </Link>
    ),
  },
  { header: 'Kind', cell: (volume) => HOST_VOLUME_KIND_LABELS[volume.kind] },
  {
    // VSS and shadow storage for a Windows volume; a XenServer SR says what it is instead.
    header: 'Snapshots',
    cell: (volume) => describeSnapshotSupport(volume, volume.shadowStorageVolumeName),
  },
  {
    header: 'Free',
    sortKey: 'freeBytes',
    className: 'text-right tabular-nums',
    cell: (volume) => describeFreeSpace(volume),
  },
  {
    header: 'Array LUN',
    cell: (volume) =>
      volume.arrayVolumeName ? (
        `${volume.arrayName} / ${volume.arrayVolumeName}`
      ) : (
        <span className="text-fg-subtle">none</span>
      ),
  },
  {
    header: 'VMs',
    sortKey: 'vmCount',
    className: 'text-right tabular-nums',
    cell: (volume) => volume.vmCount,
  },
];

const VSS_FILTERS = ['on', 'off'] as const;
// Windows volumes only: the server leaves storage repositories out of either answer.
const VSS_OPTIONS = [
  { value: 'on', label: 'On (Windows volumes)' },
  { value: 'off', label: 'Off (Windows volumes)' },
];

export function VolumeList() {
  const trpc = useTRPC();
  const searchParams = useSearchParams();
  const setParams = useSetListParams();
  const vss = pickEnum(searchParams.get('vss'), VSS_FILTERS);
  const input = {
    search: searchParams.get('search') || undefined,
    hostId: searchParams.get('hostId') || undefined,
    vssEnabled: vss === undefined ? undefined : vss === 'on',
    sort: pickEnum(searchParams.get('sort'), HOST_VOLUME_SORTS) ?? 'name',
    direction: pickEnum(searchParams.get('direction'), SORT_DIRECTIONS) ?? 'asc',
    cursor: searchParams.get('cursor') || undefined,
    limit: 25,
  };
  const volumes = useQuery({ ...trpc.volumes.list.queryOptions(input), placeholderData: keepPreviousData });
  const count = useQuery(trpc.volumes.count.queryOptions(filtersOf(input)));
  return (
    <>
      <PageHeader
        title="Volumes"
        description="Host volumes (VSS and shadow storage) and XenServer storage repositories, with free space, the array LUN behind them and how many VMs share each."
        actions={<ExportCsvLink list="volumes" query={input} noun="volumes" />}
      />
      <ServerList
        noun="volumes"
        caption="Host volumes and storage repositories"
        query={volumes}
        count={count}
        columns={columns}
        sort={input.sort}
        direction={input.direction}
        search={input.search}
        searchLabel="Search by volume name"
        filters={
          <FilterSelect
            id="filter-vss"
            label="VSS"
            value={vss}
            onChange={(value) => setParams({ vss: value })}
            options={VSS_OPTIONS}
            className="w-40"
          />
        }
      />
    </>
  );
}
