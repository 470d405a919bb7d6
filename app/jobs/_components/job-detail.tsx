'use client';

import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { DataTable, type DataTableColumn } from '@/app/_components/data-table';
import { DetailList } from '@/app/_components/detail-list';
import { PageHeader } from '@/app/_components/page-header';
import { EmptyState, ErrorState, LoadingState } from '@/app/_components/query-state';
import { Alert, AlertTitle } from '@/app/_components/ui/alert';
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/app/_components/ui/card';
import { formatBytes } from '@/app/_lib/format';
import { type RouterOutputs, useTRPC } from '@/app/_lib/trpc';
import { elapsedMs, formatElapsed, formatTime } from '@/app/operations/_components/operation-format';
import { OperationOutcome } from '@/app/operations/_components/operation-outcome';
import { useOperationEvents } from '@/app/operations/_components/use-operation-events';
import { DeleteJobButton, JobEnabledSwitch, RunJobNowButton } from './job-actions';
import { describeRetention, describeScope } from './job-format';

type Job = RouterOutputs['jobs']['get'];

const RECENT_RUNS = 10;

export function JobDetail({ id }: { id: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const job = useQuery(trpc.jobs.get.queryOptions({ id }));
  useOperationEvents({});

  if (job.isPending) return <LoadingState label="Loading the backup job…" />;
  if (job.isError) return <ErrorState error={job.error} title="Could not load this backup job" />;
  const data = job.data;
  return (
    <>
      <PageHeader
        parent={{ href: '/jobs', label: 'Backup jobs' }}
        title={data.name}
        description={
          <span className="flex items-center gap-2">
            <JobEnabledSwitch job={data} />
            {data.isEnabled ? 'Enabled' : 'Disabled'}
          </span>
        }
        actions={
          <>
            <RunJobNowButton job={data} />
            <DeleteJobButton job={data} onDeleted={() => router.push('/jobs')} />
          </>
        }
      />
      <div className="flex flex-col gap-6">
        {data.missingVms ? (
          <Alert tone="warning" role="note" aria-labelledby="job-missing-vms-title">
            <AlertTitle id="job-missing-vms-title">VMs missing from this job's scope</AlertTitle>
            <p className="text-sm">{data.missingVms.message}</p>
          </Alert>
        ) : null}
        <Card>
          <CardHeader>
            <CardTitle>Schedule and retention</CardTitle>
          </CardHeader>
          <CardContent>
            <DetailList
              items={[
                { term: 'Backs up', value: describeScope(data.request.scope) },
                {
                  term: 'Policies',
                  value: `consistency: ${data.request.consistencyPolicy} · pass-through disks: ${data.request.passthroughPolicy}`,
                },
                {
                  term: 'Schedule',
                  value: data.schedule ? (
                    <>
                      {data.schedule.description} (<code>{data.schedule.cron}</code>, {data.schedule.timeZone}
                      )
                    </>
                  ) : (
                    'none: runs only when started by hand'
                  ),
                },
                { term: 'Next runs', value: <NextRuns job={data} /> },
                {
                  term: 'Runs missed while down',
                  value: data.missedRunPolicy === 'run-once' ? 'run once' : 'skipped',
                },
                { term: 'Retention', value: describeRetention(data.retention) },
                { term: 'RPO', value: `${data.rpoHours} h` },
                { term: 'Last scheduled', value: formatTime(data.lastScheduledAt) },
              ]}
            />
          </CardContent>
        </Card>
        <RecentRuns jobId={data.id} />
      </div>
    </>
  );
}

function NextRuns({ job }: { job: Job }) {
  const trpc = useTRPC();
  const preview = useQuery({
    ...trpc.jobs.previewSchedule.queryOptions({
      cron: job.schedule?.cron ?? '',
      timeZone: job.schedule?.timeZone ?? 'UTC',
      count: 5,
    }),
    enabled: job.schedule !== null && job.isEnabled,
  });
  if (!job.schedule) return <span className="text-slate-500">none</span>;
  if (!job.isEnabled) return <span className="text-slate-500">none while disabled</span>;
  if (preview.isPending) return <span className="text-slate-500">…</span>;
  if (preview.isError) return <span className="text-red-800">{preview.error.message}</span>;
  return (
    <ol aria-label="Next runs" className="flex flex-col gap-0.5 tabular-nums">
      {preview.data.nextRuns.map((run) => (
        <li key={run.toISOString()}>{formatTime(run)}</li>
      ))}
    </ol>
  );
}

type Run = RouterOutputs['operations']['list']['items'][number];

/** A run's columns; the duration of a running one is measured to `now`. */
function runColumns(now: Date): DataTableColumn<Run>[] {
  return [
    {
      id: 'started',
      header: 'Started',
      cell: ({ row: { original: run } }) => (
        <Link href={`/operations/${encodeURIComponent(run.id)}`} className="text-brand-700 hover:underline">
          {formatTime(run.createdAt)}
        </Link>
      ),
    },
    { id: 'status', header: 'Status', cell: ({ row }) => <OperationOutcome operation={row.original} /> },
    {
      id: 'duration',
      header: 'Duration',
      meta: { className: 'tabular-nums' },
      cell: ({ row: { original: run } }) => formatElapsed(elapsedMs(run.startedAt, run.finishedAt, now)),
    },
    {
      id: 'copied',
      header: 'Copied',
      meta: { className: 'tabular-nums' },
      cell: ({ row }) => formatBytes(row.original.bytesDone),
    },
  ];
}

function RecentRuns({ jobId }: { jobId: string }) {
  const trpc = useTRPC();
  const runs = useQuery(trpc.operations.list.queryOptions({ jobId, limit: RECENT_RUNS }));
  const now = new Date();
  return (
    <Card>
      <CardHeader>
        <CardTitle>Recent runs</CardTitle>
        <CardDescription>The last {RECENT_RUNS} operations of this job, newest first.</CardDescription>
      </CardHeader>
      <CardContent>
        {runs.isPending ? (
          <LoadingState label="Loading runs…" />
        ) : runs.isError ? (
          <ErrorState error={runs.error} title="Could not load the runs" />
        ) : runs.data.items.length === 0 ? (
          <EmptyState>This job has not run yet.</EmptyState>
        ) : (
          <DataTable
            columns={runColumns(now)}
            rows={runs.data.items}
            getRowId={(run) => run.id}
            caption="Recent runs"
          />
        )}
      </CardContent>
    </Card>
  );
}
