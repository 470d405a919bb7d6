'use client';

import { useQuery } from '@tanstack/react-query';
import { ErrorState, LoadingState } from '@/app/_components/query-state';
import { NOT_READ_BECAUSE, whichSyncRead } from '@/app/_components/stale-facts-words';
import {
  FailedSyncWords,
  HostLinks,
  type StaleHostGroup,
  StaleHostsAlert,
  staleGroupKey,
} from '@/app/_components/stale-hosts-alert';
import { Alert, AlertTitle } from '@/app/_components/ui/alert';
import { pluralize } from '@/app/_lib/format';
import { useTRPC } from '@/app/_lib/trpc';
import { useMe } from '@/app/_lib/use-me';
import { STALE_FACTS_MAX_VMS } from '@/server/schemas/inventory-queries';

/**
 * Says, in the backup wizard's review, which of the hosts of the plan's VMs have facts that may be
 * out of date: the methods, consistency and findings shown were worked out from them. Only those
 * hosts, and only the plan's VMs counted (hosts.staleFacts given the VM ids). More VMs than the
 * question takes are answered estate-wide: more hosts said, never fewer.
 */
export function PlanStaleHostsAlert({ vmIds }: { vmIds: readonly string[] }) {
  if (vmIds.length === 0) return null;
  if (vmIds.length > STALE_FACTS_MAX_VMS) return <StaleHostsAlert />;
  return <StaleHostsOfVms vmIds={vmIds} />;
}

function StaleHostsOfVms({ vmIds }: { vmIds: readonly string[] }) {
  const trpc = useTRPC();
  const stale = useQuery({ ...trpc.hosts.staleFacts.queryOptions({ vmIds: [...vmIds] }), staleTime: 0 });
  const canManageConnections = useMe()?.capabilities.manageConnections ?? false;
  if (stale.isPending)
    return <LoadingState label="Checking whether this backup's hosts' facts are current…" />;
  if (stale.isError) {
    // Not knowing whether the plan's facts are current is not knowing they are: said, never left blank.
    return (
      <div className="mb-4">
        <ErrorState
          error={stale.error}
          title="Could not check whether the facts of this backup's hosts are current"
        />
      </div>
    );
  }
  if (stale.data.hostCount === 0) return null;
  const { hostCount, vmCount, groups } = stale.data;
  const title = `This plan rests on facts of ${pluralize(hostCount, 'host')} that may be out of date`;
  return (
    <Alert tone="warning" role="status" aria-label={title} className="mb-4">
      <AlertTitle>{title}</AlertTitle>
      <p>
        For {pluralize(vmCount, 'VM')} of this backup, the methods, expected consistency and findings below
        were worked out from what was last read of {hostCount === 1 ? 'the host' : 'the hosts'} named here,
        which may have changed since.
      </p>
      <ul className="mt-2 flex list-disc flex-col gap-1 pl-5">
        {groups.map((group) => (
          <li key={staleGroupKey(group)}>
            <PlanGroupWords group={group} canManageConnections={canManageConnections} />
          </li>
        ))}
      </ul>
    </Alert>
  );
}

function PlanGroupWords({
  group,
  canManageConnections,
}: {
  group: StaleHostGroup;
  canManageConnections: boolean;
}) {
  const { sync, pool, hostCount, vmCount } = group;
  const vms = `${pluralize(vmCount, 'VM')} of this backup`;
  const are = vmCount === 1 ? 'is' : 'are';
  if (sync.kind === 'failed') {
    return (
      <>
        <FailedSyncWords sync={sync} canManageConnections={canManageConnections} /> The {vms} on{' '}
        <HostLinks group={group} /> {are} planned from what {`${whichSyncRead(sync)}.`}
      </>
    );
  }
  const onThem = hostCount === 1 ? 'on it' : 'on them';
  return (
    <>
      No {sync.connectionKind} connection reads {pool ? `pool '${pool}'` : <HostLinks group={group} />}{' '}
      {NOT_READ_BECAUSE}: the {vms}{' '}
      {pool ? (
        <>
          on <HostLinks group={group} />
        </>
      ) : (
        onThem
      )}{' '}
      {are} planned from what was last read into the inventory, and nothing updates it.
    </>
  );
}
