'use client';

import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { DataTable, type DataTableColumn } from '@/app/_components/data-table';
import { PageHeader } from '@/app/_components/page-header';
import { EmptyState, ErrorState, LoadingState } from '@/app/_components/query-state';
import { Badge } from '@/app/_components/ui/badge';
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/app/_components/ui/card';
import { cn } from '@/app/_lib/cn';
import { formatPercent, READINESS_LABELS, SEVERITY_TONES } from '@/app/_lib/format';
import { type RouterOutputs, useTRPC } from '@/app/_lib/trpc';
import { readinessShares } from '@/server/engine/readiness-shares';
import { READINESS, type Readiness } from '@/server/engine/types';
import { RuleTitle } from './rule-title';
import { StaleHostsAlert } from './stale-hosts-alert';

const READINESS_CARD_STYLES: Record<Readiness, string> = {
  'online-ready': 'border-l-emerald-500',
  unconfirmed: 'border-l-yellow-400',
  'saved-state-only': 'border-l-amber-500',
  'crash-only': 'border-l-orange-500',
  partial: 'border-l-sky-500',
  blocked: 'border-l-red-600',
};

const READINESS_EXPLANATIONS: Record<Readiness, string> = {
  // As READINESS_LABELS: a powered-off VM and a Linux guest are ready too, with no application quiesced.
  'online-ready':
    'A consistent copy with no downtime: running VMs captured online, powered-off ones as they are.',
  unconfirmed:
    'Expected online, but the guest did not report what that needs: Hyper-V may pause it in saved state.',
  'saved-state-only': 'Consistent, but the VM pauses in saved state: downtime.',
  'crash-only': 'Only a power-cut-like point; applications replay logs.',
  partial: 'Host-level backup leaves pass-through disks out.',
  blocked: 'No backup method can run until a blocker is fixed.',
};

type TopFinding = RouterOutputs['dashboard']['get']['topFindings'][number];

const topFindingColumns: DataTableColumn<TopFinding>[] = [
  {
    id: 'finding',
    header: 'Finding',
    cell: ({ row: { original: finding } }) => (
      // The row counts the VMs with this rule at this severity (a rule may speak at two): the list too.
      <Link
        href={`/vms?ruleId=${finding.ruleId}&severity=${finding.severity}`}
        className="text-sm text-accent underline underline-offset-2 hover:decoration-2"
      >
        <RuleTitle ruleId={finding.ruleId} />
      </Link>
    ),
  },
  {
    id: 'severity',
    header: 'Severity',
    cell: ({ row }) => <Badge tone={SEVERITY_TONES[row.original.severity]}>{row.original.severity}</Badge>,
  },
  {
    id: 'vms',
    header: 'VMs affected',
    meta: { className: 'text-right tabular-nums' },
    cell: ({ row }) => row.original.vmCount,
  },
  {
    id: 'count',
    header: 'Occurrences',
    meta: { className: 'text-right tabular-nums' },
    cell: ({ row }) => row.original.count,
  },
];

export function Dashboard() {
  const trpc = useTRPC();
  const dashboard = useQuery(trpc.dashboard.get.queryOptions());
  const shares = dashboard.data ? readinessShares(dashboard.data.readiness) : null;

  return (
    <>
      <PageHeader
        title="Dashboard"
        description="How every VM would be protected today, and which prerequisites stand in the way."
      />
      <StaleHostsAlert />
      {dashboard.isPending ? (
        <LoadingState label="Loading the dashboard…" />
      ) : dashboard.isError ? (
        <ErrorState error={dashboard.error} title="Could not load the dashboard" />
      ) : (
        <div className="flex flex-col gap-6">
          <section aria-labelledby="readiness-heading">
            <div className="mb-3 flex items-baseline justify-between">
              <h2 id="readiness-heading" className="text-lg font-semibold">
                VMs by backup readiness
              </h2>
              <p className="text-sm text-fg-muted">
                <Link href="/vms" className="text-accent underline underline-offset-2">
                  {dashboard.data.totals.vms} VMs
                </Link>{' '}
                on {dashboard.data.totals.hosts} hosts
                {/* Gone VMs have no readiness: the cards leave them out, this says how many. */}
                {dashboard.data.goneVms > 0 ? (
                  <>
                    {' · '}
                    <Link href="/vms?presence=gone" className="text-accent underline underline-offset-2">
                      {dashboard.data.goneVms} gone from their host
                    </Link>
                    {`; percentages are of the ${dashboard.data.totals.vms - dashboard.data.goneVms} on their host`}
                  </>
                ) : null}
              </p>
            </div>
            <ul className="grid grid-cols-3 gap-3 xl:grid-cols-6">
              {READINESS.map((readiness) => {
                const count = dashboard.data.readiness[readiness] ?? 0;
                // Of the VMs that have a readiness: gone VMs are counted apart, above.
                const share = shares?.[readiness];
                return (
                  <li key={readiness}>
                    <Link
                      href={`/vms?readiness=${readiness}`}
                      className={cn(
                        'flex h-full flex-col gap-1 rounded-lg border border-l-4 border-line bg-surface p-4 shadow-sm transition hover:shadow-md focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-brand-500',
                        READINESS_CARD_STYLES[readiness],
                      )}
                    >
                      <span className="text-3xl font-semibold tabular-nums text-fg">
                        {count}
                        <span className="sr-only"> VMs:</span>
                      </span>
                      <span className="text-sm font-medium text-fg">{READINESS_LABELS[readiness]}</span>
                      <span className="text-xs text-fg-subtle">
                        {share === undefined ? '—' : formatPercent(share, 1)} ·{' '}
                        {READINESS_EXPLANATIONS[readiness]}
                      </span>
                    </Link>
                  </li>
                );
              })}
            </ul>
          </section>

          <Card>
            <CardHeader>
              <CardTitle>Most common findings</CardTitle>
              <CardDescription>
                Prerequisite checks that fail most often; open one to see the VMs it affects.
              </CardDescription>
            </CardHeader>
            <CardContent>
              {dashboard.data.topFindings.length === 0 ? (
                <EmptyState>No findings: every prerequisite check passes.</EmptyState>
              ) : (
                <DataTable
                  columns={topFindingColumns}
                  rows={dashboard.data.topFindings}
                  getRowId={(finding) => `${finding.ruleId}-${finding.severity}`}
                  caption="Most common findings"
                />
              )}
            </CardContent>
          </Card>
        </div>
      )}
    </>
  );
}
