'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useRouter } from 'next/navigation';
import { toast } from 'sonner';
import { Button } from '@/app/_components/ui/button';
import { CAPTURE_STATE_LABELS, consistencyLabel, formatDuration, METHOD_LABELS } from '@/app/_lib/format';
import { type RouterOutputs, useTRPC } from '@/app/_lib/trpc';
import { ConfirmDialog } from '@/app/operations/_components/confirm-dialog';

type MethodPlan = NonNullable<RouterOutputs['vms']['get']['plan']>;

/**
 * One-click backup with the recommended method. The dialog says what the operator is about to
 * get — downtime, co-captured VMs, disks left out — before anything starts; a VM that cannot be
 * quiesced falls back to crash-consistent (recorded on the point) and pass-through disks are
 * skipped with a warning. Stricter policies are the backup wizard's.
 */
export function VmBackupNow({
  vmId,
  vmName,
  plan,
  goneFrom = null,
}: {
  vmId: string;
  vmName: string;
  plan: MethodPlan | null;
  /** The host a sync no longer sees the VM on: a backup refuses it, so nothing is offered. */
  goneFrom?: string | null;
}) {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const start = useMutation(
    trpc.operations.backupVm.mutationOptions({
      onSuccess: (started) => {
        toast.success(`Backup of ${vmName} started`);
        void queryClient.invalidateQueries({ queryKey: trpc.operations.pathKey() });
        router.push(`/operations/${encodeURIComponent(started.operationId)}`);
      },
      onError: (error) => toast.error(`Could not back up ${vmName}: ${error.message}`),
    }),
  );
  const option = plan?.recommended
    ? plan.options.find((item) => item.method === plan.recommended)
    : undefined;
  if (goneFrom !== null) {
    return (
      <Button disabled title={`${vmName} is gone from ${goneFrom}: there is nothing to back up`}>
        Back up now
      </Button>
    );
  }
  if (!plan || !option) {
    return (
      <Button disabled title={plan?.recommendationReason ?? 'This VM has not been assessed yet'}>
        Back up now
      </Button>
    );
  }
  return (
    <ConfirmDialog
      trigger={<Button disabled={start.isPending}>Back up now</Button>}
      title={`Back up ${vmName} now?`}
      description={
        <ul className="flex list-disc flex-col gap-1 pl-5">
          <li>
            Method: {METHOD_LABELS[option.method]} (recommended), expected{' '}
            {option.consistency
              ? consistencyLabel(option.consistency, option.captureState).toLowerCase()
              : 'consistency unknown'}
            .
          </li>
          <li>
            Captured {CAPTURE_STATE_LABELS[option.captureState].toLowerCase()}
            {option.expectedDowntimeSeconds > 0
              ? `: about ${formatDuration(option.expectedDowntimeSeconds)} of downtime`
              : ''}
            .
          </li>
          {option.coCapturedVms.length > 0 ? (
            <li>Also captured with it: {option.coCapturedVms.map((vm) => vm.name).join(', ')}.</li>
          ) : null}
          {option.excludedDisks.length > 0 ? (
            <li>Left out (pass-through): {option.excludedDisks.map((disk) => disk.name).join(', ')}.</li>
          ) : null}
          <li>If the VM cannot be quiesced, the point is kept crash-consistent and says why.</li>
        </ul>
      }
      confirmLabel="Start backup"
      cancelLabel="Not now"
      onConfirm={() => start.mutate({ vmId })}
    />
  );
}
