'use client';

import { keepPreviousData, useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useSearchParams } from 'next/navigation';
import { YesNo } from '@/app/_components/detail-list';
import { ExportCsvLink } from '@/app/_components/export-csv-link';
import { PageHeader } from '@/app/_components/page-header';
import { ServerList, type ServerListColumn } from '@/app/_components/server-list';
import { filtersOf, pickEnum } from '@/app/_lib/list-url';
import { type RouterOutputs, useTRPC } from '@/app/_lib/trpc';
import { VENDOR_LABELS } from '@/server/engine/words';
import { ARRAY_SORTS, SORT_DIRECTIONS } from '@/server/schemas/inventory-queries';

export { VENDOR_LABELS };

type ArrayRow = RouterOutputs['arrays']['list']['items'][number];

const columns: ServerListColumn<ArrayRow>[] = [
  {
    header: 'Array',
    sortKey: 'name',
    cell: (array) => (
      <Link
        href={`/arrays/${encodeURIComponent(array.id)}`}
        className="font-medium text-accent underline underline-offset-2 hover:decoration-2"
      >
        {array.name}
      </Link>
    ),
  },
  { header: 'Vendor', sortKey: 'vendor', cell: (array) => VENDOR_LABELS[array.vendor] },
  {
    header: 'Snapshots',
    cell: (array) => <YesNo value={array.supportsSnapshots} yes="supported" no="not supported" />,
  },
  { header: 'Volumes / LUNs', className: 'text-right tabular-nums', cell: (array) => array.volumeCount },
  {
    header: 'Consistency groups',
    className: 'text-right tabular-nums',
    cell: (array) => array.consistencyGroupCount,
  },
  { header: 'VMs', className: 'text-right tabular-nums', cell: (array) => array.vmCount },
];

export function ArrayList() {
  const trpc = useTRPC();
  const searchParams = useSearchParams();
  const input = {
    search: searchParams.get('search') || undefined,
    sort: pickEnum(searchParams.get('sort'), ARRAY_SORTS) ?? 'name',
    direction: pickEnum(searchParams.get('direction'), SORT_DIRECTIONS) ?? 'asc',
    cursor: searchParams.get('cursor') || undefined,
    limit: 25,
  };
  const arrays = useQuery({ ...trpc.arrays.list.queryOptions(input), placeholderData: keepPreviousData });
  const count = useQuery(trpc.arrays.count.queryOptions(filtersOf(input)));
  return (
    <>
      <PageHeader
        title="Storage arrays"
        description="Arrays behind the host volumes: whether they can snapshot, their LUNs and consistency groups."
        actions={<ExportCsvLink list="arrays" query={input} noun="arrays" />}
      />
      <ServerList
        noun="arrays"
        caption="Storage arrays"
        query={arrays}
        count={count}
        columns={columns}
        sort={input.sort}
        direction={input.direction}
        search={input.search}
        searchLabel="Search by array name"
      />
    </>
  );
}
