'use client';

import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { Can } from '@/app/_components/account/can';
import { DataTable, type DataTableColumn } from '@/app/_components/data-table';
import { ExportCsvLink } from '@/app/_components/export-csv-link';
import { PageHeader } from '@/app/_components/page-header';
import { EmptyState, ErrorState, LoadingState } from '@/app/_components/query-state';
import { Button } from '@/app/_components/ui/button';
import { Card, CardContent } from '@/app/_components/ui/card';
import { type RouterOutputs, useTRPC } from '@/app/_lib/trpc';
import { formatTime } from '@/app/operations/_components/operation-format';
import { OperationOutcome } from '@/app/operations/_components/operation-outcome';
import { useOperationEvents } from '@/app/operations/_components/use-operation-events';
import { DeleteJobButton, JobEnabledSwitch, RunJobNowButton } from './job-actions';
import { describeRetention, describeScope } from './job-format';

type JobRow = RouterOutputs['jobs']['list'][number];

const columns: DataTableColumn<JobRow>[] = [
  {
    id: 'job',
    header: 'Job',
    cell: ({ row: { original: job } }) => (
      <>
        <Link
          href={`/jobs/${encodeURIComponent(job.id)}`}
          className="font-medium text-accent underline underline-offset-2 hover:decoration-2"
        >
          {job.name}
        </Link>
        <div className="text-xs text-fg-subtle">
          {describeScope(job.request.scope)} · {describeRetention(job.retention)}
        </div>
        {job.missingVms ? (
          <p className="mt-1 text-xs font-medium text-warning" role="note">
            {job.missingVms.message}
          </p>
        ) : null}
      </>
    ),
  },
  {
    id: 'schedule',
    header: 'Schedule',
    cell: ({ row: { original: job } }) =>
      job.schedule ? (
        <>
          {job.schedule.description}
          <div className="text-xs text-fg-subtle">
            <code>{job.schedule.cron}</code> · {job.schedule.timeZone}
          </div>
        </>
      ) : (
        <span className="text-fg-subtle">by hand only</span>
      ),
  },
  {
    id: 'nextRun',
    header: 'Next run',
    meta: { className: 'whitespace-nowrap' },
    cell: ({ row: { original: job } }) =>
      job.nextRunAt ? (
        <>
          {formatTime(job.nextRunAt)}
          {/* The scheduler records such a run failed, naming the missing VMs: say so before it comes. */}
          {job.missingVms ? (
            <div className="text-xs font-medium whitespace-normal text-warning">
              will be refused: VMs missing
            </div>
          ) : null}
        </>
      ) : (
        <span className="text-fg-subtle">{job.isEnabled ? 'none' : 'disabled'}</span>
      ),
  },
  {
    id: 'lastRun',
    header: 'Last run',
    cell: ({ row: { original: job } }) =>
      job.lastOperation ? (
        <Link
          href={`/operations/${encodeURIComponent(job.lastOperation.id)}`}
          className="flex flex-col gap-1 hover:underline"
        >
          <OperationOutcome operation={job.lastOperation} />
          <span className="text-xs text-fg-subtle">{formatTime(job.lastOperation.createdAt)}</span>
        </Link>
      ) : (
        <span className="text-fg-subtle">never run</span>
      ),
  },
  { id: 'enabled', header: 'Enabled', cell: ({ row: { original: job } }) => <JobEnabledSwitch job={job} /> },
  {
    id: 'actions',
    header: () => <span className="sr-only">Actions</span>,
    cell: ({ row: { original: job } }) => (
      <div className="flex justify-end gap-1">
        <RunJobNowButton job={job} />
        <DeleteJobButton job={job} />
      </div>
    ),
  },
];

export function JobList() {
  const trpc = useTRPC();
  const jobs = useQuery(trpc.jobs.list.queryOptions());
  // A run finishing changes a job's last run: the event stream refreshes this list too.
  useOperationEvents({});

  return (
    <>
      <PageHeader
        title="Backup jobs"
        description="Saved backups with their schedule, retention and last run."
        actions={
          <>
            <ExportCsvLink list="jobs" query={{}} noun="backup jobs" />
            <Can capability="runBackups">
              <Button asChild>
                <Link href="/backup/new">New backup job</Link>
              </Button>
            </Can>
          </>
        }
      />
      <Card>
        <CardContent>
          {jobs.isPending ? (
            <LoadingState label="Loading backup jobs…" />
          ) : jobs.isError ? (
            <ErrorState error={jobs.error} title="Could not load backup jobs" />
          ) : jobs.data.length === 0 ? (
            <EmptyState>
              No backup jobs yet.{' '}
              <Link
                href="/backup/new"
                className="text-accent underline underline-offset-2 hover:decoration-2"
              >
                Create one
              </Link>{' '}
              with the backup wizard.
            </EmptyState>
          ) : (
            <DataTable columns={columns} rows={jobs.data} getRowId={(job) => job.id} caption="Backup jobs" />
          )}
        </CardContent>
      </Card>
    </>
  );
}
