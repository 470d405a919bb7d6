'use client';

import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { Can } from '@/app/_components/account/can';
import { DataTable, type DataTableColumn } from '@/app/_components/data-table';
import { DetailList, YesNo } from '@/app/_components/detail-list';
import { FindingsList } from '@/app/_components/findings-list';
import { GoneBadge } from '@/app/_components/gone-badge';
import { PageHeader } from '@/app/_components/page-header';
import { PartialPointBadge } from '@/app/_components/partial-point-badge';
import { PowerStateNotice } from '@/app/_components/power-state';
import { ProtectionStatusBadge } from '@/app/_components/protection-status-badge';
import { EmptyState, ErrorState, LoadingState } from '@/app/_components/query-state';
import { StaleFactsNotice } from '@/app/_components/stale-facts-notice';
import { Badge } from '@/app/_components/ui/badge';
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/app/_components/ui/card';
import { diskStorageFormatLabel, formatBytes, READINESS_LABELS, READINESS_TONES } from '@/app/_lib/format';
import { formatDateTime } from '@/app/_lib/restore-format';
import { type RouterOutputs, useTRPC } from '@/app/_lib/trpc';
import { describeDiskSize } from '@/app/_lib/volume-format';
import { platformVmIdOf, platformVmIdWords } from '@/server/engine/vm-identity';
import { MethodComparison } from './method-comparison';
import { VmBackupNow } from './vm-backup-now';
import { VmRestorePoints } from './vm-restore-points';

type VmDetailData = RouterOutputs['vms']['get'];
type Disk = VmDetailData['disks'][number];
type GuestVolume = VmDetailData['guestVolumes'][number];

const diskColumns: DataTableColumn<Disk>[] = [
  {
    id: 'disk',
    header: 'Disk',
    meta: { cellClassName: 'font-medium' },
    cell: ({ row }) => row.original.name,
  },
  {
    id: 'kind',
    header: 'Kind',
    cell: ({ row: { original: disk } }) =>
      disk.kind === 'passthrough' ? <Badge tone="warning">pass-through</Badge> : disk.kind,
  },
  {
    // How the SR stores a XenServer VDI: raw and VHD disks are copied out of an array snapshot, one
    // whose format was not read may not be (XS-ARRAY-COPY-VHD), so the operator sees which.
    id: 'storageFormat',
    header: 'Stored as',
    cell: ({ row: { original: disk } }) =>
      disk.storageFormat ? (
        diskStorageFormatLabel(disk.storageFormat)
      ) : (
        <span className="text-fg-subtle">{diskStorageFormatLabel(disk.storageFormat)}</span>
      ),
  },
  {
    id: 'size',
    header: 'Size',
    meta: { className: 'tabular-nums' },
    cell: ({ row }) => describeDiskSize(row.original.sizeBytes),
  },
  {
    id: 'hostVolume',
    header: 'Host volume / SR',
    cell: ({ row: { original: disk } }) =>
      disk.hostVolume ? (
        <Link
          href={`/volumes/${encodeURIComponent(disk.hostVolume.id)}`}
          className="text-accent underline underline-offset-2 hover:decoration-2"
        >
          {disk.hostVolume.name}
        </Link>
      ) : (
        <span className="text-fg-subtle">none (physical disk)</span>
      ),
  },
  {
    id: 'lun',
    header: 'Array LUN',
    cell: ({ row: { original: disk } }) =>
      disk.arrayVolume && disk.array ? (
        <Link
          href={`/arrays/${encodeURIComponent(disk.array.id)}`}
          className="text-accent underline underline-offset-2 hover:decoration-2"
        >
          {disk.array.name} / {disk.arrayVolume.name}
        </Link>
      ) : (
        <span className="text-fg-subtle">none</span>
      ),
  },
];

/** Only a XenServer VDI has a storage format on its SR: a VM without one has no such column. */
const nonXenDiskColumns = diskColumns.filter((column) => column.id !== 'storageFormat');

const guestVolumeColumns: DataTableColumn<GuestVolume>[] = [
  {
    id: 'volume',
    header: 'Volume',
    meta: { cellClassName: 'font-medium' },
    cell: ({ row }) => row.original.mountPoint,
  },
  { id: 'fileSystem', header: 'File system', cell: ({ row }) => row.original.fileSystem.toUpperCase() },
  { id: 'diskType', header: 'Disk type', cell: ({ row }) => row.original.diskType },
  { id: 'vss', header: 'VSS', cell: ({ row }) => <YesNo value={row.original.vssEnabled} /> },
  {
    id: 'shadowStorage',
    header: 'Shadow storage on',
    cell: ({ row: { original: volume } }) =>
      volume.shadowStorageOn === null ? (
        <span className="text-fg-subtle">not configured</span>
      ) : volume.shadowStorageOn.toLowerCase() === volume.mountPoint.toLowerCase() ? (
        volume.shadowStorageOn
      ) : (
        <span className="font-medium text-warning">{volume.shadowStorageOn} (another volume)</span>
      ),
  },
];

/** A Linux guest has no VSS or shadow storage: the columns would only say "no". */
const nonWindowsGuestVolumeColumns = guestVolumeColumns.filter(
  (column) => column.id !== 'vss' && column.id !== 'shadowStorage',
);

export function VmDetail({ id }: { id: string }) {
  const trpc = useTRPC();
  const detail = useQuery(trpc.vms.get.queryOptions({ id }));

  if (detail.isPending) return <LoadingState label="Loading the VM…" />;
  if (detail.isError) return <ErrorState error={detail.error} title="Could not load this VM" />;

  const { vm, host, disks, guestVolumes, findings, plan, readiness, protection, sync } = detail.data;
  return (
    <>
      <PageHeader
        parent={{ href: '/vms', label: 'VMs' }}
        title={vm.name}
        description={
          <span className="flex flex-wrap items-center gap-2">
            {readiness ? (
              <Badge tone={READINESS_TONES[readiness]}>{READINESS_LABELS[readiness]}</Badge>
            ) : vm.goneSince ? null : (
              <Badge>Not assessed yet</Badge>
            )}
            <ProtectionStatusBadge status={protection?.status ?? null} />
            <GoneBadge hostName={host.name} goneSince={vm.goneSince} />
            <span>
              {/* A guest that could not be read has no known OS (the findings say why). */}
              {vm.guestFactsUnknown ? 'OS not read' : vm.osFamily} ·{' '}
              {/* A power state that could not be read is not shown as the one planned (the notice says why). */}
              {vm.powerStateUnknown ? (
                <span className="text-warning">power state not read</span>
              ) : (
                vm.powerState
              )}{' '}
              on{' '}
              <Link
                href={`/hosts/${encodeURIComponent(host.id)}`}
                className="text-accent underline underline-offset-2"
              >
                {host.name}
              </Link>
            </span>
            {/* What tells it apart from another VM of its name on the host, as a restore's confirmation asks. */}
            <span>
              {platformVmIdWords(vm.id, host.kind, vm.name).label}{' '}
              <span className="font-mono">{platformVmIdOf(vm.id, host.kind)}</span>
            </span>
            {protection === null ? null : (
              <span className="flex flex-wrap items-center gap-1">
                {protection.lastPoint ? (
                  <>
                    Last good point{' '}
                    <Link
                      href={`/restore-points?vmId=${encodeURIComponent(vm.id)}&point=${encodeURIComponent(protection.lastPoint.id)}`}
                      className="text-accent underline underline-offset-2"
                    >
                      {formatDateTime(protection.lastPoint.createdAt)}
                    </Link>
                    <PartialPointBadge point={{ ...protection.lastPoint, vmName: vm.name }} />
                  </>
                ) : (
                  'No good restore point'
                )}
                {protection.rpoHours === null ? ' · no job RPO' : ` · RPO ${protection.rpoHours} h`}
              </span>
            )}
          </span>
        }
        actions={
          <Can capability="runBackups">
            <VmBackupNow
              vmId={vm.id}
              vmName={vm.name}
              plan={plan}
              goneFrom={vm.goneSince ? host.name : null}
            />
          </Can>
        }
      />
      <StaleFactsNotice sync={sync} hostName={host.name} />
      <PowerStateNotice vm={vm} />
      <div className="flex flex-col gap-6">
        <Card>
          <CardHeader>
            <CardTitle>Backup methods</CardTitle>
            <CardDescription>
              {vm.goneSince
                ? `${vm.name} is gone from ${host.name}: no method backs it up now. What each method would have achieved when ${host.name} last listed it:`
                : `What each method would achieve for ${vm.name} today.`}
            </CardDescription>
          </CardHeader>
          <CardContent>
            {plan ? (
              <MethodComparison plan={plan} />
            ) : (
              <EmptyState>
                This VM has not been assessed yet; import or refresh the inventory to plan it.
              </EmptyState>
            )}
          </CardContent>
        </Card>

        <VmRestorePoints
          vmId={vm.id}
          vmName={vm.name}
          restoreHref={`/restore/new?vmId=${encodeURIComponent(vm.id)}`}
        />

        <Card>
          <CardHeader>
            <CardTitle>Findings</CardTitle>
            <CardDescription>Failed or informative prerequisite checks, most serious first.</CardDescription>
          </CardHeader>
          <CardContent>
            <FindingsList findings={findings} emptyText="Every prerequisite check passes for this VM." />
          </CardContent>
        </Card>

        <Card>
          <CardHeader>
            <CardTitle>Disks and where they live</CardTitle>
            <CardDescription>
              Each virtual disk, the host volume or SR holding it, and the array LUN behind that. A XenServer
              disk says how its SR stores it: VHD, raw, or not read (only raw disks are copied out of an array
              snapshot yet).
            </CardDescription>
          </CardHeader>
          <CardContent>
            {disks.length === 0 ? (
              <EmptyState>This VM reports no disks.</EmptyState>
            ) : (
              <DataTable
                columns={disks.some((disk) => disk.kind === 'vdi') ? diskColumns : nonXenDiskColumns}
                rows={disks}
                getRowId={(disk) => disk.id}
                caption={`Disks of ${vm.name}`}
              />
            )}
          </CardContent>
        </Card>

        <Card>
          <CardHeader>
            <CardTitle>Guest volumes</CardTitle>
            <CardDescription>
              {vm.guestFactsUnknown
                ? // Kept from an earlier read (a sync merges): the findings do not judge them as today's.
                  `The guest could not be read (${vm.guestFactsUnknown})${guestVolumes.length > 0 ? ': these are the volumes an earlier read found, and may have changed since.' : '.'}`
                : vm.osFamily === 'windows'
                  ? 'Volumes inside the guest, whether VSS can shadow-copy them and where their shadow copies live.'
                  : 'Volumes inside the guest (VSS and shadow storage are Windows only).'}
            </CardDescription>
          </CardHeader>
          <CardContent>
            {guestVolumes.length === 0 ? (
              <EmptyState>
                This VM reports no guest volumes, so its in-guest prerequisites are unknown.
              </EmptyState>
            ) : (
              <DataTable
                columns={vm.osFamily === 'windows' ? guestVolumeColumns : nonWindowsGuestVolumeColumns}
                rows={guestVolumes}
                getRowId={(volume) => volume.id}
                caption={`Guest volumes of ${vm.name}`}
              />
            )}
          </CardContent>
        </Card>

        <Card>
          <CardHeader>
            <CardTitle>Configuration</CardTitle>
          </CardHeader>
          <CardContent>
            <DetailList
              items={[
                {
                  term: 'Applications',
                  value: vm.applications.length ? vm.applications.join(', ') : 'none reported',
                },
                {
                  term: 'Backup integration service',
                  value:
                    vm.backupIntegrationService ??
                    (host.kind === 'hyperv' ? 'not reported' : 'n/a (XenServer)'),
                },
                ...(host.kind === 'xenserver'
                  ? [
                      {
                        term: 'Xen VSS provider',
                        // An unread guest reported no quiesce feature: not read, not "not installed".
                        value: (
                          <YesNo
                            value={vm.guestFactsUnknown ? null : vm.hasXenVssProvider}
                            yes="installed"
                            no="not installed"
                          />
                        ),
                      },
                    ]
                  : []),
                {
                  term: 'Pre-freeze / post-thaw scripts',
                  value: (
                    <YesNo value={vm.hasFreezeScripts} yes="configured" no="none" isProblemWhenNo={false} />
                  ),
                },
                { term: 'Daily change', value: formatBytes(vm.dailyChangeBytes) },
                { term: 'Tags', value: vm.tags.length ? vm.tags.join(', ') : 'none' },
              ]}
            />
          </CardContent>
        </Card>
      </div>
    </>
  );
}
