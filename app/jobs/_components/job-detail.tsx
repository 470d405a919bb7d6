'use client';

import { useQuery } from '@tanstack/react-query';
import { useRouter } from 'next/navigation';
import { DetailList } from '@/app/_components/detail-list';
import { PageHeader } from '@/app/_components/page-header';
import { ErrorState, LoadingState } from '@/app/_components/query-state';
import { Alert, AlertTitle } from '@/app/_components/ui/alert';
import { Card, CardContent, CardHeader, CardTitle } from '@/app/_components/ui/card';
import { CONSISTENCY_POLICY_LABELS, PASSTHROUGH_POLICY_LABELS } from '@/app/_lib/format';
import { type RouterOutputs, useTRPC } from '@/app/_lib/trpc';
import { formatTime } from '@/app/operations/_components/operation-format';
import { useOperationEvents } from '@/app/operations/_components/use-operation-events';
import { MISSED_RUN_WORDS } from '@/server/engine/schedule';
import { DeleteJobButton, EditJobLink, JobEnabledSwitch, RunJobNowButton } from './job-actions';
import { describeRetention, describeScope } from './job-format';
import { JobRunHistory } from './job-run-history';

type Job = RouterOutputs['jobs']['get'];

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
            <EditJobLink job={data} />
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
                { term: 'Backs up', value: describeScope(data.request.scope, data.scopeNames) },
                {
                  term: 'When a VM cannot be quiesced',
                  value: CONSISTENCY_POLICY_LABELS[data.request.consistencyPolicy],
                },
                {
                  term: 'Pass-through disks',
                  value: PASSTHROUGH_POLICY_LABELS[data.request.passthroughPolicy],
                },
                {
                  term: 'Keep a memory checkpoint on the pool',
                  value: data.request.keepMemoryCheckpoint
                    ? 'Yes: XenServer VMs keep a checkpoint with their memory on the pool'
                    : 'No',
                },
                {
                  term: 'Keep the array snapshot on the array',
                  value: data.request.keepArraySnapshot
                    ? 'Yes: array snapshot backups are copied and their snapshot stays on the array (volume revert, staged restore) until retention deletes it'
                    : 'No: released once copied',
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
                  value: MISSED_RUN_WORDS[data.missedRunPolicy],
                },
                { term: 'Retention', value: describeRetention(data.retention) },
                { term: 'RPO', value: `${data.rpoHours} h` },
                { term: 'Last scheduled', value: formatTime(data.lastScheduledAt) },
              ]}
            />
          </CardContent>
        </Card>
        <JobRunHistory jobId={data.id} />
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
  if (!job.schedule) return <span className="text-fg-subtle">none</span>;
  if (!job.isEnabled) return <span className="text-fg-subtle">none while disabled</span>;
  if (preview.isPending) return <span className="text-fg-subtle">…</span>;
  if (preview.isError) return <span className="text-danger">{preview.error.message}</span>;
  return (
    <>
      <ol aria-label="Next runs" className="flex flex-col gap-0.5 tabular-nums">
        {preview.data.nextRuns.map((run) => (
          <li key={run.toISOString()}>{formatTime(run)}</li>
        ))}
      </ol>
      {/* The scheduler records such a run failed, naming the missing VMs (the alert above). */}
      {job.missingVms ? (
        <p className="mt-1 text-xs font-medium text-warning">
          Each is refused until the scope drops the missing VMs.
        </p>
      ) : null}
    </>
  );
}
