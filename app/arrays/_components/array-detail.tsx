'use client';

import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { DataTable, type DataTableColumn } from '@/app/_components/data-table';
import { YesNo } from '@/app/_components/detail-list';
import { PageHeader } from '@/app/_components/page-header';
import { EmptyState, ErrorState, LoadingState } from '@/app/_components/query-state';
import { Badge } from '@/app/_components/ui/badge';
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/app/_components/ui/card';
import { VmRefList } from '@/app/_components/vm-ref-list';
import { type RouterOutputs, useTRPC } from '@/app/_lib/trpc';
import { VENDOR_LABELS } from './array-list';

type Lun = RouterOutputs['arrays']['get']['volumes'][number];

const lunColumns: DataTableColumn<Lun>[] = [
  { id: 'lun', header: 'LUN', meta: { cellClassName: 'font-medium' }, cell: ({ row }) => row.original.name },
  {
    id: 'snapshots',
    header: 'Snapshots',
    cell: ({ row }) => (
      <YesNo
        value={row.original.supportsSnapshots}
        yes="supported"
        no="not supported"
        unknown="unknown: the array did not report the LUN's state"
      />
    ),
  },
  {
    id: 'group',
    header: 'Consistency group',
    cell: ({ row }) => row.original.consistencyGroup?.name ?? <span className="text-fg-subtle">none</span>,
  },
  {
    id: 'hostVolumes',
    header: 'Host volumes on it',
    cell: ({ row: { original: volume } }) =>
      volume.hostVolumes.length === 0 ? (
        <span className="text-fg-subtle">none (pass-through only)</span>
      ) : (
        <ul>
          {volume.hostVolumes.map((hostVolume) => (
            <li key={hostVolume.id}>
              <Link
                href={`/volumes/${encodeURIComponent(hostVolume.id)}`}
                className="text-accent underline underline-offset-2 hover:decoration-2"
              >
                {hostVolume.name}
              </Link>{' '}
              <span className="text-xs text-fg-subtle">on {hostVolume.hostName}</span>
            </li>
          ))}
        </ul>
      ),
  },
  {
    id: 'vms',
    header: 'VMs',
    cell: ({ row: { original: volume } }) => <VmRefList vms={volume.vms} label={`VMs on ${volume.name}`} />,
  },
];

export function ArrayDetail({ id }: { id: string }) {
  const trpc = useTRPC();
  const detail = useQuery(trpc.arrays.get.queryOptions({ id }));

  if (detail.isPending) return <LoadingState label="Loading the array…" />;
  if (detail.isError) return <ErrorState error={detail.error} title="Could not load this array" />;

  const { array, volumes, consistencyGroups } = detail.data;
  return (
    <>
      <PageHeader
        parent={{ href: '/arrays', label: 'Arrays' }}
        title={array.name}
        description={
          <span className="flex items-center gap-2">
            {VENDOR_LABELS[array.vendor]} ·{' '}
            {array.supportsSnapshots ? (
              <Badge tone="success">Snapshots supported</Badge>
            ) : (
              <Badge tone="danger">No snapshots</Badge>
            )}
          </span>
        }
      />
      <div className="flex flex-col gap-6">
        <Card>
          <CardHeader>
            <CardTitle>Volumes / LUNs</CardTitle>
            <CardDescription>
              An array snapshot captures every VM on the LUN; LUNs outside one consistency group are not
              snapshotted at the same instant.
            </CardDescription>
          </CardHeader>
          <CardContent>
            {volumes.length === 0 ? (
              <EmptyState>This array reports no volumes.</EmptyState>
            ) : (
              <DataTable
                columns={lunColumns}
                rows={volumes}
                getRowId={(volume) => volume.id}
                caption={`Volumes of ${array.name}`}
              />
            )}
          </CardContent>
        </Card>
        <Card>
          <CardHeader>
            <CardTitle>Consistency groups</CardTitle>
          </CardHeader>
          <CardContent>
            {consistencyGroups.length === 0 ? (
              <EmptyState>No consistency group: each LUN is snapshotted on its own.</EmptyState>
            ) : (
              <ul className="flex flex-col gap-2 text-sm">
                {consistencyGroups.map((group) => (
                  <li key={group.id}>
                    <span className="font-medium">{group.name}</span>:{' '}
                    {volumes
                      .filter((volume) => volume.consistencyGroupId === group.id)
                      .map((volume) => volume.name)
                      .join(', ') || 'no LUNs'}
                  </li>
                ))}
              </ul>
            )}
          </CardContent>
        </Card>
      </div>
    </>
  );
}
