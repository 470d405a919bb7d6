'use client';

import { type UseQueryResult, useQueries } from '@tanstack/react-query';
import Link from 'next/link';
import { DataTable, type DataTableColumn } from '@/app/_components/data-table';
import { DetailList } from '@/app/_components/detail-list';
import { Badge } from '@/app/_components/ui/badge';
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/app/_components/ui/card';
import { CAPTURE_STATE_LABELS, consistencyLabel, METHOD_LABELS } from '@/app/_lib/format';
import { RESTORE_MODE_LABELS } from '@/app/_lib/restore-format';
import { isNotFoundError, type RouterOutputs, useTRPC } from '@/app/_lib/trpc';
import {
  type BackupPlan,
  excludedDiskNamesOf,
  type PlannedVm,
  type PointPlan,
} from '@/server/engine/plan-types';
import type { StepStatus } from '@/server/engine/statuses';
import { describeCollateral, formatTime } from './operation-format';

type Detail = RouterOutputs['operations']['get'];
type Step = Detail['steps'][number];

/*
 * What an operation produced, by kind: the points of a backup with their consistency, the point
 * and mode of a restore, the point a verify or delete acted on.
 */

/**
 * A VM of the plan, the status of the step that catalogues its point (none if the plan has none),
 * and the query of the restore point it created (none until it is catalogued).
 */
interface VmOutcome {
  vm: PlannedVm;
  catalogStatus: Step['status'] | undefined;
  point: UseQueryResult<RouterOutputs['restorePoints']['get'], unknown> | undefined;
}

/** Why a VM has no point: one may still come, or none will (its catalogue step will never run). */
function noPointWords(catalogStatus: Step['status'] | undefined): string {
  switch (catalogStatus) {
    case 'failed':
      return 'no point: its backup failed';
    case 'skipped':
    case 'cancelled':
      return 'no point: its backup did not run to the end';
    default:
      return 'no point yet';
  }
}

function AchievedCell({ vm, catalogStatus, point }: VmOutcome) {
  if (!point) return <span className="text-fg-subtle">{noPointWords(catalogStatus)}</span>;
  if (point.isPending) return '…';
  if (point.isError) {
    // Only a "not found" says the point is gone; any other failure says nothing about it.
    return isNotFoundError(point.error) ? (
      <span className="text-fg-subtle">point since deleted</span>
    ) : (
      <span className="text-warning">point not loaded: reload the page</span>
    );
  }
  const achieved = point.data.point;
  return (
    <>
      <Badge tone={achieved.consistency === vm.expectedConsistency ? 'success' : 'warning'}>
        {consistencyLabel(achieved.consistency, achieved.captureState)}
      </Badge>
      {achieved.consistencyReason ? (
        <p className="mt-1 max-w-xs text-xs text-fg-muted">{achieved.consistencyReason}</p>
      ) : null}
    </>
  );
}

const outcomeColumns: DataTableColumn<VmOutcome>[] = [
  {
    id: 'vm',
    header: 'VM',
    cell: ({ row: { original } }) => (
      <>
        <Link
          href={`/vms/${encodeURIComponent(original.vm.vmId)}`}
          className="font-medium text-accent underline underline-offset-2 hover:decoration-2"
        >
          {original.vm.vmName}
        </Link>
        {original.vm.isCoCaptured ? (
          <div className="text-xs text-fg-subtle">captured with the volume</div>
        ) : null}
      </>
    ),
  },
  { id: 'method', header: 'Method', cell: ({ row }) => METHOD_LABELS[row.original.vm.method] },
  {
    id: 'expected',
    header: 'Expected',
    cell: ({ row: { original } }) => (
      <>
        {consistencyLabel(original.vm.expectedConsistency, original.vm.captureState)}
        <div className="text-xs text-fg-subtle">{CAPTURE_STATE_LABELS[original.vm.captureState]}</div>
        {original.vm.excludedDiskIds.length > 0 ? (
          <div className="text-xs text-warning">
            leaves out {excludedDiskNamesOf(original.vm).join(', ')} (pass-through)
          </div>
        ) : null}
      </>
    ),
  },
  { id: 'achieved', header: 'Achieved', cell: ({ row }) => <AchievedCell {...row.original} /> },
  {
    id: 'point',
    header: 'Restore point',
    cell: ({ row: { original } }) =>
      original.point?.isSuccess ? (
        <Link
          href={restorePointHref(original.vm.vmId, original.vm.restorePointId)}
          className="text-accent underline underline-offset-2 hover:decoration-2"
        >
          Restore point of {original.vm.vmName}
        </Link>
      ) : (
        <span className="text-fg-subtle">—</span>
      ),
  },
];

/** A step that did its work: succeeded, or degraded (the policy carried on, the point was written). */
function isDone(status: Step['status'] | undefined): boolean {
  return status === 'succeeded' || status === 'degraded';
}

/** Per VM: what the plan expected, and what the restore point it created actually achieved. */
export function BackupOutcomes({ plan, steps }: { plan: BackupPlan; steps: Step[] }) {
  const trpc = useTRPC();
  const catalogStepOf = (vm: PlannedVm) =>
    steps.find((step) => step.kind === 'catalog' && step.vmId === vm.vmId);
  const catalogued = plan.vms.filter((vm) => isDone(catalogStepOf(vm)?.status));
  const points = useQueries({
    queries: catalogued.map((vm) => trpc.restorePoints.get.queryOptions({ id: vm.restorePointId })),
  });
  const pointOf = (vm: PlannedVm) => {
    const index = catalogued.indexOf(vm);
    return index === -1 ? undefined : points[index];
  };
  return (
    <Card>
      <CardHeader>
        <CardTitle>Consistency per VM</CardTitle>
        <CardDescription>
          What the plan expected for each VM, and what its restore point actually achieved, with why.
        </CardDescription>
      </CardHeader>
      <CardContent>
        <DataTable
          columns={outcomeColumns}
          rows={plan.vms.map((vm) => ({ vm, catalogStatus: catalogStepOf(vm)?.status, point: pointOf(vm) }))}
          getRowId={(row) => row.vm.vmId}
          caption="Consistency per VM"
        />
      </CardContent>
    </Card>
  );
}

export function RestoreOutcome({
  plan,
  steps,
}: {
  plan: Extract<Detail['operation']['plan'], { kind: 'restore' }>;
  steps: Detail['steps'];
}) {
  return (
    <Card>
      <CardHeader>
        <CardTitle>Restore</CardTitle>
      </CardHeader>
      <CardContent>
        <DetailList
          items={[
            { term: 'Mode', value: RESTORE_MODE_LABELS[plan.mode] },
            {
              term: 'From restore point',
              value: (
                <Link
                  href={restorePointHref(plan.vmId, plan.restorePointId)}
                  className="text-accent underline underline-offset-2 hover:decoration-2"
                >
                  {/* The plan names its point (plans stored before it did have only its id). */}
                  {plan.vmName !== undefined && plan.pointCreatedAt !== undefined
                    ? `${plan.vmName}, taken ${formatTime(new Date(plan.pointCreatedAt))}`
                    : 'the restore point'}
                </Link>
              ),
            },
            describeCollateral(
              plan.collateral,
              (steps.find((step) => step.kind === 'revert-volume')?.status as StepStatus | undefined) ?? null,
            ),
          ]}
        />
      </CardContent>
    </Card>
  );
}

/** A verify or delete of one stored point: which point (a deleted one is named, not linked). */
export function PointOutcome({ plan }: { plan: PointPlan }) {
  const name = `${plan.vmName}, taken ${formatTime(new Date(plan.pointCreatedAt))}`;
  return (
    <Card>
      <CardHeader>
        <CardTitle>{plan.kind === 'verify-point' ? 'Verification' : 'Deletion'}</CardTitle>
      </CardHeader>
      <CardContent>
        <DetailList
          items={[
            {
              term: 'Restore point',
              value:
                plan.kind === 'verify-point' ? (
                  <Link
                    href={restorePointHref(plan.vmId, plan.restorePointId)}
                    className="text-accent underline underline-offset-2 hover:decoration-2"
                  >
                    {name}
                  </Link>
                ) : (
                  name
                ),
            },
          ]}
        />
      </CardContent>
    </Card>
  );
}

/** The restore point browser, filtered to the VM, with the point's details open. */
function restorePointHref(vmId: string, pointId: string): string {
  return `/restore-points?${new URLSearchParams({ vmId, point: pointId }).toString()}`;
}
