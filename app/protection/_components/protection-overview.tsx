'use client';

import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { useSearchParams } from 'next/navigation';
import { toast } from 'sonner';
import { Can } from '@/app/_components/account/can';
import { FilterSelect } from '@/app/_components/filter-select';
import { PageHeader } from '@/app/_components/page-header';
import { Pager } from '@/app/_components/pager';
import { PartialPointBadge } from '@/app/_components/partial-point-badge';
import { EmptyState, ErrorState, LoadingState } from '@/app/_components/query-state';
import { Badge } from '@/app/_components/ui/badge';
import { Button } from '@/app/_components/ui/button';
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
import { CONSISTENCY_LABELS } from '@/app/_lib/format';
import { pickEnum, readCursorState } from '@/app/_lib/list-url';
import { PROTECTION_STATUS_LABELS, PROTECTION_STATUS_TONES } from '@/app/_lib/protection-format';
import { CONSISTENCY_TONES, formatDateTime } from '@/app/_lib/restore-format';
import { useTRPC } from '@/app/_lib/trpc';
import { useSetListParams } from '@/app/_lib/use-set-list-params';
import { announceApprovalRequested } from '@/app/approvals/_components/approval-sent';
import {
  OPERATION_STATUS_LABELS,
  OPERATION_STATUS_TONES,
} from '@/app/operations/_components/operation-format';
import { PROTECTION_STATUSES } from '@/server/engine/protection';
import { ActivityCharts } from './activity-charts';

const STATUSES = PROTECTION_STATUSES;

export const STATUS_LABELS = PROTECTION_STATUS_LABELS;
const STATUS_TONES = PROTECTION_STATUS_TONES;

/** Status cards, runs needing attention and charts: the morning view (also embedded on the dashboard). */
export function ProtectionSummary() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const summary = useQuery(trpc.protection.summary.queryOptions());
  const attention = useQuery(trpc.protection.attention.queryOptions());
  const activity = useQuery(trpc.protection.activity.queryOptions());
  const retry = useMutation(
    trpc.operations.retryFailed.mutationOptions({
      onSuccess: (started) => {
        // Retrying a destructive restore or a point deletion asks a second admin first (four-eyes).
        if ('approvalRequest' in started) return announceApprovalRequested(started.approvalRequest);
        toast.success('Retry started', {
          description: (
            <Link href={`/operations/${started.operationId}`}>Open operation {started.operationId}</Link>
          ),
        });
        queryClient.invalidateQueries({ queryKey: trpc.protection.pathKey() });
      },
      onError: (error) => toast.error(`Retry refused: ${error.message}`),
    }),
  );

  return (
    <div className="flex flex-col gap-6">
      <section aria-labelledby="protection-status-heading">
        <h2 id="protection-status-heading" className="mb-3 text-lg font-semibold">
          Protection status
        </h2>
        {summary.isPending ? (
          <LoadingState label="Counting protected VMs…" />
        ) : summary.isError ? (
          <ErrorState error={summary.error} title="Could not load protection status" />
        ) : (
          <ul className="grid grid-cols-2 gap-3 xl:grid-cols-5">
            {STATUSES.map((status) => (
              <li key={status}>
                <Link
                  href={`/protection?status=${status}`}
                  className="flex h-full flex-col gap-1 rounded-lg border border-slate-200 bg-white p-4 shadow-sm hover:shadow-md focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-brand-500"
                  aria-label={`${summary.data.byStatus[status]} VMs: ${STATUS_LABELS[status]}`}
                >
                  <span className="text-3xl font-semibold tabular-nums">{summary.data.byStatus[status]}</span>
                  <Badge tone={STATUS_TONES[status]} className="w-fit whitespace-normal">
                    {STATUS_LABELS[status]}
                  </Badge>
                </Link>
              </li>
            ))}
          </ul>
        )}
      </section>

      <Card>
        <CardHeader>
          <CardTitle>Runs needing attention</CardTitle>
          <CardDescription>
            Failed or interrupted in the last 14 days and not retried yet, and runs that succeeded with
            warnings (a job's newest run).
          </CardDescription>
        </CardHeader>
        <CardContent>
          {attention.isPending ? (
            <LoadingState label="Loading runs…" />
          ) : attention.isError ? (
            <ErrorState error={attention.error} title="Could not load runs" />
          ) : attention.data.length === 0 ? (
            <EmptyState>No run failed, was interrupted or ended with warnings.</EmptyState>
          ) : (
            <Table>
              <TableCaption>Runs needing attention</TableCaption>
              <TableHeader>
                <TableRow>
                  <TableHead scope="col">Operation</TableHead>
                  <TableHead scope="col">Result</TableHead>
                  <TableHead scope="col">When</TableHead>
                  <TableHead scope="col">Why</TableHead>
                  <TableHead scope="col">
                    <span className="sr-only">Actions</span>
                  </TableHead>
                </TableRow>
              </TableHeader>
              <TableBody>
                {attention.data.map((run) => (
                  <TableRow key={run.operationId}>
                    <TableCell>
                      <Link
                        href={`/operations/${run.operationId}`}
                        className="text-brand-700 hover:underline"
                      >
                        {run.title}
                      </Link>
                    </TableCell>
                    <TableCell>
                      <Badge tone={OPERATION_STATUS_TONES[run.status]}>
                        {OPERATION_STATUS_LABELS[run.status]}
                      </Badge>
                    </TableCell>
                    <TableCell className="whitespace-nowrap">{formatDateTime(run.createdAt)}</TableCell>
                    <TableCell className="max-w-md text-slate-700">
                      {run.status === 'succeeded-with-warnings' ? (
                        <ul className="list-disc pl-4">
                          {run.warnings.map((warning) => (
                            <li key={warning}>{warning}</li>
                          ))}
                        </ul>
                      ) : (
                        (run.error ?? '—')
                      )}
                    </TableCell>
                    <TableCell>
                      {run.status === 'succeeded-with-warnings' ? null : (
                        <Can capability="runBackups">
                          <Button
                            size="sm"
                            disabled={retry.isPending}
                            onClick={() => retry.mutate({ id: run.operationId })}
                            aria-label={`Retry ${run.title}`}
                          >
                            Retry
                          </Button>
                        </Can>
                      )}
                    </TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          )}
        </CardContent>
      </Card>

      <Card>
        <CardHeader>
          <CardTitle>Last 14 days</CardTitle>
        </CardHeader>
        <CardContent>
          {activity.isPending ? (
            <LoadingState label="Loading activity…" />
          ) : activity.isError ? (
            <ErrorState error={activity.error} title="Could not load activity" />
          ) : (
            <ActivityCharts days={activity.data.days} />
          )}
        </CardContent>
      </Card>
    </div>
  );
}

export function ProtectionOverview() {
  const trpc = useTRPC();
  const params = useSearchParams();
  const setParams = useSetListParams();
  const status = pickEnum(params.get('status'), STATUSES);
  const { cursor } = readCursorState(params);
  const vms = useQuery({
    ...trpc.protection.vms.queryOptions({ status, cursor, limit: 25 }),
    placeholderData: keepPreviousData,
  });
  return (
    <>
      <PageHeader
        title="Protection"
        description="Per VM: the newest good restore point, its consistency, the RPO of the jobs that cover it, and the last run."
        actions={
          <Can capability="runBackups">
            <Button asChild>
              <Link href="/backup/new">New backup…</Link>
            </Button>
          </Can>
        }
      />
      <ProtectionSummary />
      <section aria-labelledby="vm-protection-heading" className="mt-6">
        <div className="mb-3 flex items-end justify-between">
          <h2 id="vm-protection-heading" className="text-lg font-semibold">
            VMs
          </h2>
          <FilterSelect
            id="protection-status"
            label="Status"
            value={status}
            onChange={(value) => setParams({ status: value })}
            anyLabel="Any status"
            options={STATUSES.map((value) => ({ value, label: STATUS_LABELS[value] }))}
            selectClassName="w-64"
          />
        </div>
        {vms.isPending ? (
          <LoadingState label="Loading VMs…" />
        ) : vms.isError ? (
          <ErrorState error={vms.error} title="Could not load VM protection" />
        ) : vms.data.items.length === 0 ? (
          <EmptyState>No VM has this status.</EmptyState>
        ) : (
          <>
            <Table>
              <TableCaption>Protection per VM</TableCaption>
              <TableHeader>
                <TableRow>
                  <TableHead scope="col">VM</TableHead>
                  <TableHead scope="col">Status</TableHead>
                  <TableHead scope="col">Last good point</TableHead>
                  <TableHead scope="col">Consistency</TableHead>
                  <TableHead scope="col">RPO</TableHead>
                  <TableHead scope="col">Last run</TableHead>
                  <TableHead scope="col">
                    <span className="sr-only">Actions</span>
                  </TableHead>
                </TableRow>
              </TableHeader>
              <TableBody>
                {vms.data.items.map((vm) => (
                  <TableRow key={vm.vmId}>
                    <TableCell>
                      <Link href={`/vms/${vm.vmId}`} className="font-medium text-brand-700 hover:underline">
                        {vm.vmName}
                      </Link>
                      <span className="block text-xs text-slate-500">{vm.hostName}</span>
                    </TableCell>
                    <TableCell>
                      <Badge tone={STATUS_TONES[vm.status]}>{STATUS_LABELS[vm.status]}</Badge>
                    </TableCell>
                    <TableCell className="whitespace-nowrap">
                      {vm.lastPoint ? (
                        <Link
                          href={`/restore-points?vmId=${encodeURIComponent(vm.vmId)}&point=${encodeURIComponent(vm.lastPoint.id)}`}
                          className="hover:underline"
                        >
                          {formatDateTime(vm.lastPoint.createdAt)}
                        </Link>
                      ) : (
                        'none'
                      )}
                    </TableCell>
                    <TableCell>
                      {vm.lastPoint ? (
                        <span className="flex flex-wrap items-center gap-1">
                          <Badge tone={CONSISTENCY_TONES[vm.lastPoint.consistency]}>
                            {CONSISTENCY_LABELS[vm.lastPoint.consistency]}
                          </Badge>
                          <PartialPointBadge point={{ ...vm.lastPoint, vmName: vm.vmName }} />
                        </span>
                      ) : (
                        '—'
                      )}
                    </TableCell>
                    <TableCell className="tabular-nums">
                      {vm.rpoHours === null ? '—' : `${vm.rpoHours} h`}
                    </TableCell>
                    <TableCell>
                      {vm.lastRun ? (
                        <Link href={`/operations/${vm.lastRun.operationId}`}>
                          <Badge tone={OPERATION_STATUS_TONES[vm.lastRun.status]}>
                            {OPERATION_STATUS_LABELS[vm.lastRun.status]}
                          </Badge>
                        </Link>
                      ) : (
                        'never'
                      )}
                    </TableCell>
                    <TableCell>
                      <Link
                        href={`/backup/new?vmId=${encodeURIComponent(vm.vmId)}`}
                        className="text-sm text-brand-700 hover:underline"
                        aria-label={`Back up ${vm.vmName}`}
                      >
                        Back up…
                      </Link>
                    </TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
            <Pager
              nextCursor={vms.data.nextCursor}
              total={undefined}
              shown={vms.data.items.length}
              noun="VMs"
            />
          </>
        )}
      </section>
    </>
  );
}
