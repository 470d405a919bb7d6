'use client';

import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { pluralize } from '@/app/_lib/format';
import { useTRPC } from '@/app/_lib/trpc';

/**
 * Whether a disconnect is sent for a second admin's approval (`disconnect`): read as the restore
 * wizard reads its kinds, on unless an admin turned it off, so an unread policy never promises a
 * disconnect that will happen at once.
 */
export function useDisconnectNeedsApproval(): boolean {
  const trpc = useTRPC();
  const policies = useQuery(trpc.approvals.policies.queryOptions());
  return policies.data?.find((policy) => policy.kind === 'disconnect')?.required ?? true;
}

/** The confirm button: it says when it only asks. */
export function disconnectLabel(name: string, needsApproval: boolean): string {
  return needsApproval ? `Send for approval: disconnect ${name}` : `Disconnect ${name}`;
}

/**
 * In the disconnect confirmation: the VMs on the connection's hosts, and the jobs backing any of
 * them up, whose runs fail until it is connected again (services/disconnect-impact.ts). Read when
 * the confirmation opens, so it is today's.
 */
export function DisconnectImpactView({
  connector,
  id,
  needsApproval,
}: {
  connector: 'hyperv' | 'xapi';
  id: string;
  needsApproval: boolean;
}) {
  const trpc = useTRPC();
  const hyperv = trpc.hypervConnections.disconnectImpact.queryOptions({ id });
  // Both procedures answer the same DisconnectImpact; one query, whichever connector it is.
  const impact = useQuery(
    connector === 'hyperv'
      ? hyperv
      : (trpc.xapiPools.disconnectImpact.queryOptions({ id }) as unknown as typeof hyperv),
  );
  if (impact.isPending) return <p className="mt-2">Working out which VMs and jobs it stops…</p>;
  if (impact.isError) {
    return (
      <p className="mt-2 text-danger">
        Which VMs and jobs it stops could not be worked out: {impact.error.message}
      </p>
    );
  }
  const { vmCount, jobs } = impact.data;
  return (
    <div className="mt-2" data-testid="disconnect-impact">
      <p>
        {vmCount === 0
          ? 'No VM is on its hosts.'
          : `${pluralize(vmCount, 'VM')} on its hosts can then be neither backed up nor restored.`}
      </p>
      {jobs.length === 0 ? (
        <p className="mt-1">No backup job backs them up.</p>
      ) : (
        <>
          <p className="mt-1">
            {jobs.length === 1 ? 'This job backs' : 'These jobs back'} some of them up; their runs fail until
            it is connected again:
          </p>
          <ul aria-label="Jobs whose runs fail" className="mt-1 list-disc pl-5">
            {jobs.map((job) => (
              <li key={job.id}>
                <Link href={`/jobs/${encodeURIComponent(job.id)}`} className="underline underline-offset-2">
                  {job.name}
                </Link>
                {job.isEnabled ? '' : ' (disabled)'}
              </li>
            ))}
          </ul>
        </>
      )}
      {needsApproval ? (
        <p className="mt-2">
          Nothing is disconnected yet: a second admin reviews this impact and approves or rejects the
          disconnect (four-eyes).
        </p>
      ) : null}
    </div>
  );
}
