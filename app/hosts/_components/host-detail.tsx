'use client';

import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { DataTable, type DataTableColumn } from '@/app/_components/data-table';
import { DetailList, YesNo } from '@/app/_components/detail-list';
import { PageHeader } from '@/app/_components/page-header';
import { EmptyState, ErrorState, LoadingState } from '@/app/_components/query-state';
import { ReadinessSummary } from '@/app/_components/readiness-summary';
import { StaleFactsNotice } from '@/app/_components/stale-facts-notice';
import { Badge } from '@/app/_components/ui/badge';
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/app/_components/ui/card';
import { VmRefList } from '@/app/_components/vm-ref-list';
import { formatBytes, SEVERITY_TONES } from '@/app/_lib/format';
import { type RouterOutputs, useTRPC } from '@/app/_lib/trpc';
import {
  describeFreeSpace,
  describeSrSnapshots,
  describeSrType,
  HOST_VOLUME_KIND_LABELS,
  SR_SNAPSHOT_FACTS,
} from '@/app/_lib/volume-format';
import type { HypervisorKind } from '@/server/engine/inventory';
import { SEVERITIES } from '@/server/engine/types';
import { HYPERVISOR_LABELS } from './host-list';

type HostVolumeRow = RouterOutputs['hosts']['get']['volumes'][number];

/** A Windows volume's VSS and its shadow storage, named by that volume's name. */
function windowsVolumeColumns(volumeNames: ReadonlyMap<string, string>): DataTableColumn<HostVolumeRow>[] {
  return [
    { id: 'vss', header: 'VSS', cell: ({ row }) => <YesNo value={row.original.vssEnabled} /> },
    {
      id: 'shadowStorage',
      header: 'Shadow storage',
      cell: ({ row: { original: volume } }) => (
        <>
          {volume.shadowStorageVolumeId === null
            ? 'not configured'
            : volume.shadowStorageVolumeId === volume.id
              ? 'on itself'
              : `on ${volumeNames.get(volume.shadowStorageVolumeId) ?? volume.shadowStorageVolumeId}`}
          {volume.shadowStorageLimitBytes !== null ? (
            <div className="text-xs text-fg-subtle">limit {formatBytes(volume.shadowStorageLimitBytes)}</div>
          ) : null}
        </>
      ),
    },
  ];
}

/** A XenServer SR: VSS and shadow storage mean nothing there; it says what it is instead. */
const srColumns: DataTableColumn<HostVolumeRow>[] = [
  { id: 'type', header: 'SR type', cell: ({ row: { original: volume } }) => describeSrType(volume) },
  {
    id: 'snapshots',
    header: 'Snapshots',
    cell: ({ row: { original: volume } }) => (
      <>
        {describeSrSnapshots(volume)}
        <div className="text-xs text-fg-subtle">{SR_SNAPSHOT_FACTS}</div>
      </>
    ),
  },
];

/** The host's volumes (Hyper-V) or storage repositories (XenServer) with the VMs on each. */
function hostVolumeColumns(
  volumeNames: ReadonlyMap<string, string>,
  hostKind: HypervisorKind,
): DataTableColumn<HostVolumeRow>[] {
  return [
    {
      id: 'volume',
      header: 'Volume',
      cell: ({ row: { original: volume } }) => (
        <>
          <Link
            href={`/volumes/${encodeURIComponent(volume.id)}`}
            className="font-medium text-accent underline underline-offset-2 hover:decoration-2"
          >
            {volume.name}
          </Link>
          <div className="text-xs text-fg-subtle">{HOST_VOLUME_KIND_LABELS[volume.kind]}</div>
        </>
      ),
    },
    ...(hostKind === 'xenserver' ? srColumns : windowsVolumeColumns(volumeNames)),
    {
      id: 'free',
      header: 'Free',
      meta: { className: 'text-right tabular-nums' },
      cell: ({ row: { original: volume } }) => describeFreeSpace(volume),
    },
    {
      id: 'vms',
      header: 'VMs on it',
      cell: ({ row: { original: volume } }) => <VmRefList vms={volume.vms} label={`VMs on ${volume.name}`} />,
    },
  ];
}

export function HostDetail({ id }: { id: string }) {
  const trpc = useTRPC();
  const detail = useQuery(trpc.hosts.get.queryOptions({ id }));

  if (detail.isPending) return <LoadingState label="Loading the host…" />;
  if (detail.isError) return <ErrorState error={detail.error} title="Could not load this host" />;

  const { host, volumes, vmCount, readinessCounts, goneVmCount, findingCounts, sync } = detail.data;
  const volumeNames = new Map(volumes.map((volume) => [volume.id, volume.name]));
  const vmsHref = `/vms?hostId=${encodeURIComponent(host.id)}`;
  return (
    <>
      <PageHeader
        parent={{ href: '/hosts', label: 'Hosts' }}
        title={host.name}
        description={`${HYPERVISOR_LABELS[host.kind]} ${host.version}${host.pool ? ` in pool ${host.pool}` : ''}`}
      />
      <StaleFactsNotice sync={sync} hostName={host.name} />
      <div className="flex flex-col gap-6">
        <Card>
          <CardHeader>
            <CardTitle>Summary</CardTitle>
          </CardHeader>
          <CardContent>
            <DetailList
              items={[
                {
                  term: 'VMs',
                  value: (
                    <Link
                      href={vmsHref}
                      className="text-accent underline underline-offset-2 hover:decoration-2"
                    >
                      {vmCount} VMs on this host
                    </Link>
                  ),
                },
                {
                  term: 'Readiness',
                  value: (
                    <ReadinessSummary
                      counts={readinessCounts}
                      goneCount={goneVmCount}
                      hrefFor={(filter) =>
                        filter === 'gone' ? `${vmsHref}&presence=gone` : `${vmsHref}&readiness=${filter}`
                      }
                    />
                  ),
                },
                {
                  term: 'Findings',
                  value: (
                    <span className="flex flex-wrap gap-1">
                      {SEVERITIES.map((severity) => (
                        <Link key={severity} href={`${vmsHref}&severity=${severity}`}>
                          <Badge tone={SEVERITY_TONES[severity]}>
                            {findingCounts[severity]} {severity}
                          </Badge>
                        </Link>
                      ))}
                    </span>
                  ),
                },
                host.kind === 'hyperv'
                  ? {
                      term: 'VSS-aware backup product',
                      value: (
                        <YesNo
                          value={host.hasVssAwareProduct}
                          yes="usable"
                          no="not usable: only Windows Server Backup"
                        />
                      ),
                    }
                  : {
                      term: 'Quiesced snapshots',
                      value: (
                        <YesNo
                          value={host.offersQuiescedSnapshots}
                          yes="offered"
                          no="not offered by this release"
                        />
                      ),
                    },
              ]}
            />
          </CardContent>
        </Card>

        <Card>
          <CardHeader>
            <CardTitle>
              {host.kind === 'xenserver' ? 'Storage repositories' : 'Volumes'} and their VMs
            </CardTitle>
            <CardDescription>
              Where the VMs' disks live. VMs sharing a volume are captured and rolled back together by
              volume-level methods.
            </CardDescription>
          </CardHeader>
          <CardContent>
            {volumes.length === 0 ? (
              <EmptyState>This host reports no volumes.</EmptyState>
            ) : (
              <DataTable
                columns={hostVolumeColumns(volumeNames, host.kind)}
                rows={volumes}
                getRowId={(volume) => volume.id}
                caption={`Volumes of ${host.name}`}
              />
            )}
          </CardContent>
        </Card>
      </div>
    </>
  );
}
