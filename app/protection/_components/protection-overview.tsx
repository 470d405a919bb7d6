'use client';

import { keepPreviousData, useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useSearchParams } from 'next/navigation';
import { Can } from '@/app/_components/account/can';
import { FilterSelect } from '@/app/_components/filter-select';
import { PageHeader } from '@/app/_components/page-header';
import { EmptyState, ErrorState, LoadingState } from '@/app/_components/query-state';
import { StaleHostsAlert } from '@/app/_components/stale-hosts-alert';
import { Badge } from '@/app/_components/ui/badge';
import { Button } from '@/app/_components/ui/button';
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/app/_components/ui/card';
import { pickEnum, readCursorState } from '@/app/_lib/list-url';
import { PROTECTION_STATUS_LABELS, PROTECTION_STATUS_TONES } from '@/app/_lib/protection-format';
import { useTRPC } from '@/app/_lib/trpc';
import { useSetListParams } from '@/app/_lib/use-set-list-params';
import { PROTECTION_STATUSES } from '@/server/engine/protection';
import { ActivityCharts } from './activity-charts';
import { AttentionRunsTable } from './attention-runs';
import { VmProtectionTable } from './vm-protection-table';

const STATUSES = PROTECTION_STATUSES;

export const STATUS_LABELS = PROTECTION_STATUS_LABELS;
const STATUS_TONES = PROTECTION_STATUS_TONES;

/** Status cards, runs needing attention and charts: the morning view (also embedded on the dashboard). */
export function ProtectionSummary() {
  const trpc = useTRPC();
  const summary = useQuery(trpc.protection.summary.queryOptions());
  const attention = useQuery(trpc.protection.attention.queryOptions());
  const activity = useQuery(trpc.protection.activity.queryOptions());

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
          <ul className="grid grid-cols-2 gap-3 md:grid-cols-3 xl:grid-cols-6">
            {STATUSES.map((status) => (
              <li key={status}>
                <Link
                  href={`/protection?status=${status}`}
                  className="flex h-full flex-col gap-1 rounded-lg border border-line bg-surface p-4 shadow-sm hover:shadow-md focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-brand-500"
                >
                  <span className="text-3xl font-semibold tabular-nums">
                    {summary.data.byStatus[status]}
                    <span className="sr-only"> VMs:</span>
                  </span>
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
            Failed or interrupted in the last 14 days with no retry ended since (a retry under way is linked),
            and runs that succeeded with warnings (a job's newest run).
          </CardDescription>
        </CardHeader>
        <CardContent>
          {attention.isPending ? (
            <LoadingState label="Loading runs…" />
          ) : attention.isError ? (
            <ErrorState error={attention.error} title="Could not load runs" />
          ) : attention.data.runs.length === 0 ? (
            <EmptyState>No run failed, was interrupted or ended with warnings.</EmptyState>
          ) : (
            <>
              <AttentionRunsTable runs={attention.data.runs} />
              {attention.data.hasMore ? (
                <p className="mt-2 text-sm text-warning" role="note">
                  Showing the {attention.data.runs.length} newest; older runs need attention too:{' '}
                  <Link href="/operations?status=failed" className="text-accent underline underline-offset-2">
                    see the failed operations
                  </Link>
                  .
                </p>
              ) : null}
            </>
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
      {/* Here, not in ProtectionSummary: the dashboard embeds that below its own warning. */}
      <StaleHostsAlert />
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
          <VmProtectionTable page={vms.data} isBusy={vms.isPlaceholderData} />
        )}
      </section>
    </>
  );
}
