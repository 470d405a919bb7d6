'use client';

import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { DataTable, type DataTableColumn } from '@/app/_components/data-table';
import { DetailList, YesNo } from '@/app/_components/detail-list';
import { PageHeader } from '@/app/_components/page-header';
import { PowerStateText } from '@/app/_components/power-state';
import { EmptyState, ErrorState, LoadingState } from '@/app/_components/query-state';
import { Badge } from '@/app/_components/ui/badge';
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/app/_components/ui/card';
import { formatBytes, METHOD_LABELS, READINESS_LABELS, READINESS_TONES } from '@/app/_lib/format';
import { type RouterOutputs, useTRPC } from '@/app/_lib/trpc';
import {
  describeFreeSpaceShare,
  describeSrSnapshots,
  describeSrType,
  HOST_VOLUME_KIND_LABELS,
  isStorageRepository,
  SR_SNAPSHOT_FACTS,
} from '@/app/_lib/volume-format';

type SharingVm = RouterOutputs['volumes']['get']['vms'][number];

const sharingVmColumns: DataTableColumn<SharingVm>[] = [
  {
    id: 'vm',
    header: 'VM',
    cell: ({ row: { original: vm } }) => (
      <Link
        href={`/vms/${encodeURIComponent(vm.id)}`}
        className="font-medium text-accent underline underline-offset-2 hover:decoration-2"
      >
        {vm.name}
      </Link>
    ),
  },
  { id: 'host', header: 'Host', cell: ({ row }) => row.original.hostName },
  { id: 'power', header: 'Power', cell: ({ row }) => <PowerStateText vm={row.original} /> },
  {
    id: 'readiness',
    header: 'Readiness',
    cell: ({ row: { original: vm } }) =>
      vm.readiness ? (
        <Badge tone={READINESS_TONES[vm.readiness]}>{READINESS_LABELS[vm.readiness]}</Badge>
      ) : (
        '—'
      ),
  },
  {
    id: 'method',
    header: 'Recommended method',
    cell: ({ row: { original: vm } }) =>
      vm.recommendedMethod ? METHOD_LABELS[vm.recommendedMethod] : 'none',
  },
];

export function VolumeDetail({ id }: { id: string }) {
  const trpc = useTRPC();
  const detail = useQuery(trpc.volumes.get.queryOptions({ id }));

  if (detail.isPending) return <LoadingState label="Loading the volume…" />;
  if (detail.isError) return <ErrorState error={detail.error} title="Could not load this volume" />;

  const { volume, host, shadowStorageVolume, arrayVolume, array, consistencyGroup, vms } = detail.data;
  const isShadowStorageOnItself = volume.shadowStorageVolumeId === volume.id;
  return (
    <>
      <PageHeader
        parent={{ href: '/volumes', label: 'Volumes' }}
        title={`${volume.name} on ${host.name}`}
        description={`${HOST_VOLUME_KIND_LABELS[volume.kind]} · ${vms.length} VMs share it`}
      />
      <div className="flex flex-col gap-6">
        <Card>
          <CardHeader>
            <CardTitle>VMs sharing this volume</CardTitle>
            <CardDescription>
              Volume-level methods (Windows Server Backup, array snapshots) capture these VMs together, and a
              volume restore rolls all of them back.
            </CardDescription>
          </CardHeader>
          <CardContent>
            {vms.length === 0 ? (
              <EmptyState>No VM has a disk on this volume.</EmptyState>
            ) : (
              <DataTable
                columns={sharingVmColumns}
                rows={vms}
                getRowId={(vm) => vm.id}
                caption={`VMs sharing ${volume.name}`}
              />
            )}
          </CardContent>
        </Card>

        <Card>
          <CardHeader>
            <CardTitle>Snapshot prerequisites</CardTitle>
          </CardHeader>
          <CardContent>
            <DetailList
              items={[
                {
                  term: 'Host',
                  value: (
                    <Link
                      href={`/hosts/${encodeURIComponent(host.id)}`}
                      className="text-accent underline underline-offset-2 hover:decoration-2"
                    >
                      {host.name}
                    </Link>
                  ),
                },
                // VSS and shadow storage are a Windows volume's; an SR says what it is instead.
                ...(isStorageRepository(volume)
                  ? [
                      { term: 'Kind', value: HOST_VOLUME_KIND_LABELS[volume.kind] },
                      ...(host.pool ? [{ term: 'Pool', value: host.pool }] : []),
                      { term: 'SR type', value: describeSrType(volume) },
                      { term: 'Snapshots', value: `${SR_SNAPSHOT_FACTS}; ${describeSrSnapshots(volume)}` },
                    ]
                  : [
                      { term: 'VSS', value: <YesNo value={volume.vssEnabled} /> },
                      {
                        term: 'Shadow storage location',
                        value: shadowStorageVolume ? (
                          isShadowStorageOnItself ? (
                            `${shadowStorageVolume.name} (on itself)`
                          ) : (
                            <Link
                              href={`/volumes/${encodeURIComponent(shadowStorageVolume.id)}`}
                              className="text-accent underline underline-offset-2 hover:decoration-2"
                            >
                              {shadowStorageVolume.name} (another volume)
                            </Link>
                          )
                        ) : (
                          'not configured'
                        ),
                      },
                      {
                        term: 'Shadow storage limit',
                        // Null is "no limit" only where shadow storage is configured at all.
                        value:
                          volume.shadowStorageVolumeId === null
                            ? 'none (no shadow storage)'
                            : volume.shadowStorageLimitBytes === null
                              ? 'unbounded'
                              : formatBytes(volume.shadowStorageLimitBytes),
                      },
                    ]),
                {
                  term: 'Free space',
                  value: describeFreeSpaceShare(volume),
                },
                {
                  term: 'Array LUN',
                  value:
                    arrayVolume && array ? (
                      <Link
                        href={`/arrays/${encodeURIComponent(array.id)}`}
                        className="text-accent underline underline-offset-2 hover:decoration-2"
                      >
                        {array.name} / {arrayVolume.name}
                      </Link>
                    ) : (
                      'none (local storage)'
                    ),
                },
                ...(arrayVolume
                  ? [
                      {
                        term: 'LUN snapshots',
                        value: (
                          <YesNo
                            value={arrayVolume.supportsSnapshots}
                            yes="supported"
                            no="not supported"
                            unknown="unknown: the array did not report the LUN's state"
                          />
                        ),
                      },
                      { term: 'Consistency group', value: consistencyGroup ? consistencyGroup.name : 'none' },
                    ]
                  : []),
              ]}
            />
          </CardContent>
        </Card>
      </div>
    </>
  );
}
