'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { toast } from 'sonner';
import { Can } from '@/app/_components/account/can';
import { Button } from '@/app/_components/ui/button';
import { cn } from '@/app/_lib/cn';
import { formatDateTime } from '@/app/_lib/format';
import { type RouterOutputs, useTRPC } from '@/app/_lib/trpc';
import { useMe } from '@/app/_lib/use-me';
import { announceApprovalRequested } from '@/app/approvals/_components/approval-sent';
import { ConfirmDialog } from '@/app/operations/_components/confirm-dialog';

type Job = RouterOutputs['jobs']['list'][number];

function useRefreshJobs() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return () => {
    void queryClient.invalidateQueries({ queryKey: trpc.jobs.pathKey() });
    void queryClient.invalidateQueries({ queryKey: trpc.operations.pathKey() });
  };
}

/**
 * A labelled on/off switch: a scheduled job runs only while enabled. Turning it on is one click;
 * turning it off asks first, saying what stops, since a job left disabled by a stray click leaves
 * its VMs without new restore points and nothing fails to say so.
 */
export function JobEnabledSwitch({ job }: { job: Job }) {
  const me = useMe();
  const trpc = useTRPC();
  const refresh = useRefreshJobs();
  const setEnabled = useMutation(
    trpc.jobs.setEnabled.mutationOptions({
      onSuccess: (updated) => {
        toast.success(`${updated.name} ${updated.isEnabled ? 'enabled' : 'disabled'}`);
        refresh();
      },
      onError: (error) => toast.error(`Could not change ${job.name}: ${error.message}`),
    }),
  );
  // A role that may not change jobs reads the state as text instead of a switch it cannot use.
  if (!me?.capabilities.runBackups)
    return <span className="text-sm">{job.isEnabled ? 'enabled' : 'disabled'}</span>;
  const toggle = (
    <button
      type="button"
      role="switch"
      aria-checked={job.isEnabled}
      aria-label={`Enabled: ${job.name}`}
      disabled={setEnabled.isPending}
      onClick={job.isEnabled ? undefined : () => setEnabled.mutate({ id: job.id, isEnabled: true })}
      className={cn(
        'relative inline-flex h-5 w-9 shrink-0 items-center rounded-full transition-colors focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-brand-500 focus-visible:ring-offset-2 focus-visible:ring-offset-surface disabled:opacity-50',
        job.isEnabled ? 'bg-brand-600' : 'bg-line-strong',
      )}
    >
      <span
        aria-hidden="true"
        className={cn(
          'inline-block size-4 rounded-full bg-white shadow transition-transform',
          job.isEnabled ? 'translate-x-4' : 'translate-x-0.5',
        )}
      />
    </button>
  );
  if (!job.isEnabled) return toggle;
  return (
    <ConfirmDialog
      trigger={toggle}
      title={`Disable ${job.name}?`}
      description={<DisableJobConsequences job={job} />}
      confirmLabel="Disable job"
      cancelLabel="Keep it enabled"
      onConfirm={() => setEnabled.mutate({ id: job.id, isEnabled: false })}
    />
  );
}

/** What stops when the job is disabled, and what stays. */
function DisableJobConsequences({ job }: { job: Job }) {
  return (
    <>
      <p>
        {job.nextRunAt
          ? `No scheduled run of it starts until it is enabled again: the next was due ${formatDateTime(job.nextRunAt, job.timeZone)}.`
          : 'It has no schedule: nothing it would start on its own stops.'}
      </p>
      <p className="mt-2">
        Meanwhile its VMs get new restore points only from other jobs or from runs started by hand. Its
        restore points stay.
      </p>
    </>
  );
}

/** Opens the job in the backup wizard, every step filled in from its settings. */
export function EditJobLink({ job }: { job: Job }) {
  return (
    <Can capability="runBackups">
      <Button size="sm" variant="secondary" asChild>
        <Link href={`/jobs/${encodeURIComponent(job.id)}/edit`} aria-label={`Edit ${job.name}`}>
          Edit
        </Link>
      </Button>
    </Can>
  );
}

export function RunJobNowButton({ job }: { job: Job }) {
  const trpc = useTRPC();
  const router = useRouter();
  const refresh = useRefreshJobs();
  const runNow = useMutation(
    trpc.jobs.runNow.mutationOptions({
      onSuccess: (started) => {
        toast.success(`${job.name} started`);
        refresh();
        router.push(`/operations/${encodeURIComponent(started.operationId)}`);
      },
      onError: (error) => toast.error(`Could not run ${job.name}: ${error.message}`),
    }),
  );
  return (
    <Can capability="runBackups">
      <Button
        size="sm"
        variant="secondary"
        disabled={runNow.isPending}
        aria-label={`Run ${job.name} now`}
        onClick={() => runNow.mutate({ id: job.id })}
      >
        Run now
      </Button>
    </Can>
  );
}

export function DeleteJobButton({ job, onDeleted }: { job: Job; onDeleted?: () => void }) {
  const trpc = useTRPC();
  const refresh = useRefreshJobs();
  const remove = useMutation(
    trpc.jobs.delete.mutationOptions({
      onSuccess: (result) => {
        // Four-eyes: the deletion waits for a second admin; the job stays until then.
        if ('approvalRequest' in result) return announceApprovalRequested(result.approvalRequest);
        toast.success(`${job.name} deleted`);
        refresh();
        onDeleted?.();
      },
      onError: (error) => toast.error(`Could not delete ${job.name}: ${error.message}`),
    }),
  );
  return (
    <Can capability="delete">
      <ConfirmDialog
        trigger={
          <Button size="sm" variant="ghost" disabled={remove.isPending} aria-label={`Delete ${job.name}`}>
            Delete
          </Button>
        }
        title={`Delete ${job.name}?`}
        description={
          <p>
            The job stops running. Its past operations and restore points stay in the catalogue until deleted
            there.
          </p>
        }
        confirmLabel="Delete job"
        isDestructive
        typedName={{ what: "the job's name", name: job.name }}
        onConfirm={(typed) => remove.mutate({ id: job.id, confirmation: typed })}
      />
    </Can>
  );
}
