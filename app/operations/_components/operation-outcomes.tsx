'use client';

import { useQueries } from '@tanstack/react-query';
import Link from 'next/link';
import { DetailList } from '@/app/_components/detail-list';
import { Badge } from '@/app/_components/ui/badge';
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/app/_components/ui/card';
import {
  Table,
  TableBody,
  TableCaption,
  TableCell,
  TableHead,
  TableHeader,
  TableRow,
} from '@/app/_components/ui/table';
import { CAPTURE_STATE_LABELS, CONSISTENCY_LABELS, consistencyLabel, METHOD_LABELS } from '@/app/_lib/format';
import { type RouterOutputs, useTRPC } from '@/app/_lib/trpc';
import type { BackupPlan, PlannedVm, PointPlan } from '@/server/engine/plan-types';
import { formatElapsed, formatTime } from './operation-format';

type Detail = RouterOutputs['operations']['get'];
type Step = Detail['steps'][number];

/*
 * What an operation produced, by kind: the points of a backup with their consistency, the point
 * and mode of a restore, the point a verify or delete acted on.
 */

/** Per VM: what the plan expected, and what the restore point it created actually achieved. */
export function BackupOutcomes({ plan, steps }: { plan: BackupPlan; steps: Step[] }) {
  const trpc = useTRPC();
  const catalogued = plan.vms.filter((vm) =>
    steps.some((step) => step.kind === 'catalog' && step.vmId === vm.vmId && step.status === 'succeeded'),
  );
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
        <Table>
          <TableCaption>Consistency per VM</TableCaption>
          <TableHeader>
            <TableRow>
              <TableHead>VM</TableHead>
              <TableHead>Method</TableHead>
              <TableHead>Expected</TableHead>
              <TableHead>Achieved</TableHead>
              <TableHead>Restore point</TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {plan.vms.map((vm) => {
              const point = pointOf(vm);
              return (
                <TableRow key={vm.vmId}>
                  <TableCell>
                    <Link
                      href={`/vms/${encodeURIComponent(vm.vmId)}`}
                      className="font-medium text-brand-700 hover:underline"
                    >
                      {vm.vmName}
                    </Link>
                    {vm.isCoCaptured ? (
                      <div className="text-xs text-slate-500">captured with the volume</div>
                    ) : null}
                  </TableCell>
                  <TableCell>{METHOD_LABELS[vm.method]}</TableCell>
                  <TableCell>
                    {consistencyLabel(vm.expectedConsistency, vm.captureState)}
                    <div className="text-xs text-slate-500">{CAPTURE_STATE_LABELS[vm.captureState]}</div>
                    {vm.excludedDiskIds.length > 0 ? (
                      <div className="text-xs text-amber-900">
                        leaves out {vm.excludedDiskIds.join(', ')} (pass-through)
                      </div>
                    ) : null}
                  </TableCell>
                  <TableCell>
                    {!point ? (
                      <span className="text-slate-500">no point yet</span>
                    ) : point.isPending ? (
                      '…'
                    ) : point.isError ? (
                      <span className="text-slate-500">point since deleted</span>
                    ) : (
                      <>
                        <Badge
                          tone={
                            point.data.point.consistency === vm.expectedConsistency ? 'success' : 'warning'
                          }
                        >
                          {CONSISTENCY_LABELS[point.data.point.consistency]}
                        </Badge>
                        {point.data.point.consistencyReason ? (
                          <p className="mt-1 max-w-xs text-xs text-slate-600">
                            {point.data.point.consistencyReason}
                          </p>
                        ) : null}
                      </>
                    )}
                  </TableCell>
                  <TableCell>
                    {point?.isSuccess ? (
                      <Link
                        href={restorePointHref(vm.vmId, vm.restorePointId)}
                        className="text-brand-700 hover:underline"
                      >
                        Restore point of {vm.vmName}
                      </Link>
                    ) : (
                      <span className="text-slate-500">—</span>
                    )}
                  </TableCell>
                </TableRow>
              );
            })}
          </TableBody>
        </Table>
      </CardContent>
    </Card>
  );
}

export function RestoreOutcome({
  plan,
}: {
  plan: Extract<Detail['operation']['plan'], { kind: 'restore' }>;
}) {
  return (
    <Card>
      <CardHeader>
        <CardTitle>Restore</CardTitle>
      </CardHeader>
      <CardContent>
        <DetailList
          items={[
            { term: 'Mode', value: plan.mode },
            {
              term: 'From restore point',
              value: (
                <Link
                  href={restorePointHref(plan.vmId, plan.restorePointId)}
                  className="text-brand-700 hover:underline"
                >
                  {plan.restorePointId}
                </Link>
              ),
            },
            {
              term: 'Other VMs rolled back',
              value:
                plan.collateral.length === 0
                  ? 'none'
                  : plan.collateral
                      .map((vm) => `${vm.vmName} (loses ${formatElapsed(vm.dataLossMs)})`)
                      .join(', '),
            },
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
                    className="text-brand-700 hover:underline"
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
