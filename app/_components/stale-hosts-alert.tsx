'use client';

import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { Fragment } from 'react';
import { ErrorState } from '@/app/_components/query-state';
import { Alert, AlertTitle } from '@/app/_components/ui/alert';
import { pluralize } from '@/app/_lib/format';
import { type RouterOutputs, useTRPC } from '@/app/_lib/trpc';
import { useMe } from '@/app/_lib/use-me';
import { failureSentence, inWords, NOT_READ_BECAUSE, whichSyncRead } from './stale-facts-words';

export type StaleHostGroup = RouterOutputs['hosts']['staleFacts']['groups'][number];
type FailedSync = Extract<StaleHostGroup['sync'], { kind: 'failed' }>;

/**
 * Says, above the dashboard, the VM list and the protection page, which hosts' facts may be out of
 * date: the readiness and protection those pages show for their VMs rest on an earlier sync's
 * facts (services/inventory/stale-hosts.ts). Nothing when every host's facts are current.
 */
export function StaleHostsAlert() {
  const trpc = useTRPC();
  const stale = useQuery(trpc.hosts.staleFacts.queryOptions());
  const canManageConnections = useMe()?.capabilities.manageConnections ?? false;
  if (stale.isError) {
    // Not knowing whether facts are current is not knowing they are: said, never left blank.
    return (
      <div className="mb-6">
        <ErrorState error={stale.error} title="Could not check whether every host's facts are current" />
      </div>
    );
  }
  if (!stale.data || stale.data.hostCount === 0) return null;
  const { hostCount, vmCount, groups } = stale.data;
  const title = `Facts of ${pluralize(hostCount, 'host')} may be out of date`;
  return (
    <Alert tone="warning" role="status" aria-label={title} className="mb-6">
      <AlertTitle>{title}</AlertTitle>
      <p>
        The readiness and protection shown for their {pluralize(vmCount, 'VM')} rest on what was last read,
        which may have changed since.
      </p>
      <ul className="mt-2 flex list-disc flex-col gap-1 pl-5">
        {groups.map((group) => (
          <li key={staleGroupKey(group)}>
            <GroupWords group={group} canManageConnections={canManageConnections} />
          </li>
        ))}
      </ul>
    </Alert>
  );
}

function GroupWords({
  group,
  canManageConnections,
}: {
  group: StaleHostGroup;
  canManageConnections: boolean;
}) {
  const { sync, pool, hostCount, vmCount } = group;
  const [they, their] = hostCount === 1 ? ['it', 'its'] : ['they', 'their'];
  const show = hostCount === 1 ? 'shows' : 'show';
  if (sync.kind === 'failed') {
    return (
      <>
        <FailedSyncWords sync={sync} canManageConnections={canManageConnections} /> What{' '}
        <HostLinks group={group} /> {show} of {their} {pluralize(vmCount, 'VM')} is what{' '}
        {`${whichSyncRead(sync)}.`}
      </>
    );
  }
  return (
    <>
      No {sync.connectionKind} connection reads {pool ? `pool '${pool}'` : <HostLinks group={group} />}{' '}
      {NOT_READ_BECAUSE}: what {pool ? <HostLinks group={group} /> : they} {show} of {their}{' '}
      {pluralize(vmCount, 'VM')} was last read into the inventory, and nothing updates it.
    </>
  );
}

/**
 * "The last sync of <kind> <connection> failed: <why>." The connection links to the connections
 * page for those who may manage it, and is only named for the others.
 */
export function FailedSyncWords({
  sync,
  canManageConnections,
}: {
  sync: FailedSync;
  canManageConnections: boolean;
}) {
  return (
    <>
      The last sync of {sync.connectionKind}{' '}
      {canManageConnections ? (
        <Link href="/admin/connections" className="font-semibold underline underline-offset-2">
          {sync.connectionName}
        </Link>
      ) : (
        <strong>{sync.connectionName}</strong>
      )}{' '}
      failed: {failureSentence(sync)}
    </>
  );
}

/** The group's hosts by name, each linked to its page; those past the named ones counted. */
export function HostLinks({ group }: { group: StaleHostGroup }) {
  const links = group.hosts.map((host) => (
    <Link
      key={host.id}
      href={`/hosts/${encodeURIComponent(host.id)}`}
      className="underline underline-offset-2"
    >
      {host.name}
    </Link>
  ));
  return (
    <>
      {inWords(links, group.hostCount - group.hosts.length).map((part, index) => (
        // The parts never move: their place is their key.
        <Fragment key={index}>{part}</Fragment>
      ))}
    </>
  );
}

/** One group per failed connection, and per kind and pool of hosts no connection reads. */
export function staleGroupKey(group: StaleHostGroup): string {
  return group.sync.kind === 'failed'
    ? `failed:${group.sync.connectionKind}:${group.sync.connectionName}`
    : `disconnected:${group.sync.connectionKind}:${group.pool ?? ''}`;
}
