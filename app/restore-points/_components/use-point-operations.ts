'use client';

import { useMutation } from '@tanstack/react-query';
import { toast } from 'sonner';
import { formatDateTime } from '@/app/_lib/restore-format';
import { useTRPC } from '@/app/_lib/trpc';
import { announceApprovalRequested } from '@/app/approvals/_components/approval-sent';
import { type FollowedOutcome, useOperationFollower } from '@/app/operations/_components/operation-follower';

interface PointName {
  vmName: string;
  createdAt: Date;
}

function pointName(point: PointName): string {
  return `the ${formatDateTime(point.createdAt)} point of ${point.vmName}`;
}

function verifyOutcome(point: PointName) {
  return ({ status, error, verdict }: FollowedOutcome) => {
    const name = pointName(point);
    if (verdict) {
      return {
        tone: verdict === 'intact' ? 'success' : 'error',
        message: `Verification of ${name}: ${verdict}`,
      } as const;
    }
    if (status === 'cancelled')
      return { tone: 'error', message: `Verification of ${name} cancelled` } as const;
    return { tone: 'error', message: `Could not verify ${name}: ${error ?? status}` } as const;
  };
}

/**
 * Verify and delete of a stored point: each queues an operation the worker runs (leases, events,
 * who asked). The page follows it — a toast names the point while it runs, links to the
 * operation, and says how it ended; the point lists refresh from the operation's events.
 */
export function usePointOperations() {
  const trpc = useTRPC();
  const follower = useOperationFollower();
  const verify = useMutation(
    trpc.restorePoints.verify.mutationOptions({
      onSuccess: (started) => {
        follower.follow({
          operationId: started.operationId,
          key: `verify:${started.point.id}`,
          runningMessage: `Verifying ${pointName(started.point)}…`,
          describeOutcome: verifyOutcome(started.point),
        });
      },
      onError: (error) => toast.error(`Could not verify: ${error.message}`),
    }),
  );
  const remove = useMutation(
    trpc.restorePoints.delete.mutationOptions({
      onSuccess: (result) => {
        // Four-eyes: the deletion waits for a second admin; nothing is queued until then.
        if ('approvalRequest' in result) return announceApprovalRequested(result.approvalRequest);
        const started = result;
        const name = pointName(started.point);
        follower.follow({
          operationId: started.operationId,
          key: `delete:${started.point.id}`,
          runningMessage: `Deleting ${name}…`,
          describeOutcome: ({ status, error }) =>
            status === 'succeeded'
              ? {
                  tone: 'success',
                  message: started.impact.isOnlyPointOfVm
                    ? `Point deleted; ${started.impact.vmName} has no restore point left`
                    : `Point of ${started.impact.vmName} deleted`,
                }
              : { tone: 'error', message: `Could not delete ${name}: ${error ?? status}` },
        });
      },
      onError: (error) => toast.error(`Could not delete: ${error.message}`),
    }),
  );
  return {
    verify: (pointId: string) => verify.mutate({ id: pointId }),
    /**
     * `confirmation`: the name of the point's VM as typed. `onQueued`: the delete is accepted (e.g.
     * close the point's drawer); its outcome is toasted.
     */
    remove: (pointId: string, confirmation: string, onQueued?: () => void) =>
      remove.mutate({ id: pointId, confirmation }, { onSuccess: onQueued }),
    /** Asked for, or running: its button shows the work in progress. */
    isVerifying: (pointId: string) =>
      (verify.isPending && verify.variables?.id === pointId) || follower.isActive(`verify:${pointId}`),
    isDeleting: (pointId: string) =>
      (remove.isPending && remove.variables?.id === pointId) || follower.isActive(`delete:${pointId}`),
  };
}
