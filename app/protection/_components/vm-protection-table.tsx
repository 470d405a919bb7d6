'use client';

import Link from 'next/link';
import { DataTable, type DataTableColumn } from '@/app/_components/data-table';
import { PartialPointBadge } from '@/app/_components/partial-point-badge';
import { Badge } from '@/app/_components/ui/badge';
import { consistencyLabel } from '@/app/_lib/format';
import { PROTECTION_STATUS_LABELS, PROTECTION_STATUS_TONES } from '@/app/_lib/protection-format';
import { CONSISTENCY_TONES, formatDateTime } from '@/app/_lib/restore-format';
import type { RouterOutputs } from '@/app/_lib/trpc';
import {
  OPERATION_STATUS_LABELS,
  OPERATION_STATUS_TONES,
} from '@/app/operations/_components/operation-format';

type VmProtectionPage = RouterOutputs['protection']['vms'];
type VmProtection = VmProtectionPage['items'][number];

const columns: DataTableColumn<VmProtection>[] = [
  {
    id: 'vm',
    header: 'VM',
    cell: ({ row: { original: vm } }) => (
      <>
        <Link
          href={`/vms/${vm.vmId}`}
          className="font-medium text-accent underline underline-offset-2 hover:decoration-2"
        >
          {vm.vmName}
        </Link>
        <span className="block text-xs text-fg-subtle">{vm.hostName}</span>
      </>
    ),
  },
  {
    id: 'status',
    header: 'Status',
    cell: ({ row: { original: vm } }) => (
      <Badge tone={PROTECTION_STATUS_TONES[vm.status]}>{PROTECTION_STATUS_LABELS[vm.status]}</Badge>
    ),
  },
  {
    id: 'lastPoint',
    header: 'Last good point',
    meta: { className: 'whitespace-nowrap' },
    cell: ({ row: { original: vm } }) =>
      vm.lastPoint ? (
        <Link
          href={`/restore-points?vmId=${encodeURIComponent(vm.vmId)}&point=${encodeURIComponent(vm.lastPoint.id)}`}
          className="hover:underline"
        >
          {formatDateTime(vm.lastPoint.createdAt)}
        </Link>
      ) : (
        'none'
      ),
  },
  {
    id: 'consistency',
    header: 'Consistency',
    cell: ({ row: { original: vm } }) =>
      vm.lastPoint ? (
        <span className="flex flex-wrap items-center gap-1">
          <Badge tone={CONSISTENCY_TONES[vm.lastPoint.consistency]}>
            {consistencyLabel(vm.lastPoint.consistency, vm.lastPoint.captureState)}
          </Badge>
          <PartialPointBadge point={{ ...vm.lastPoint, vmName: vm.vmName }} />
        </span>
      ) : (
        '—'
      ),
  },
  {
    id: 'rpo',
    header: 'RPO',
    meta: { className: 'tabular-nums' },
    cell: ({ row: { original: vm } }) => (vm.rpoHours === null ? '—' : `${vm.rpoHours} h`),
  },
  {
    id: 'lastRun',
    header: 'Last backup',
    cell: ({ row: { original: vm } }) =>
      vm.lastRun ? (
        <Link href={`/operations/${vm.lastRun.operationId}`}>
          <Badge tone={OPERATION_STATUS_TONES[vm.lastRun.status]}>
            {OPERATION_STATUS_LABELS[vm.lastRun.status]}
          </Badge>
        </Link>
      ) : (
        'never'
      ),
  },
  {
    id: 'actions',
    header: () => <span className="sr-only">Actions</span>,
    cell: ({ row: { original: vm } }) => (
      <Link
        href={`/backup/new?vmId=${encodeURIComponent(vm.vmId)}`}
        className="text-sm text-accent underline underline-offset-2 hover:decoration-2"
        aria-label={`Back up ${vm.vmName}`}
      >
        Back up…
      </Link>
    ),
  },
];

/** Per VM: its protection status, newest good point, RPO and last run; paged by the server. */
export function VmProtectionTable({ page, isBusy }: { page: VmProtectionPage; isBusy: boolean }) {
  return (
    <DataTable
      columns={columns}
      rows={page.items}
      getRowId={(vm) => vm.vmId}
      caption="Protection per VM"
      isBusy={isBusy}
      page={{ nextCursor: page.nextCursor, noun: 'VMs' }}
    />
  );
}
