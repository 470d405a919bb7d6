'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { toast } from 'sonner';
import { EmptyState, ErrorState, LoadingState } from '@/app/_components/query-state';
import { type RouterOutputs, useTRPC } from '@/app/_lib/trpc';
import { announceApprovalRequested } from '@/app/approvals/_components/approval-sent';
import { AddHypervHostForm } from './add-hyperv-host-form';
import { ConnectionCard } from './connection-card';
import { DisconnectImpactView, disconnectLabel, useDisconnectNeedsApproval } from './disconnect-impact-view';
import { HypervClusterView } from './hyperv-cluster-view';
import { describeHypervSync, HypervSyncView, HypervTestView, unreadByHypervSync } from './hyperv-test-result';
import { HypervWsbTarget } from './hyperv-wsb-target';
import { SyncLog } from './sync-log';

type HypervHost = RouterOutputs['hypervConnections']['list'][number];

function HostCard({ connection }: { connection: HypervHost }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const refresh = () => queryClient.invalidateQueries(trpc.hypervConnections.list.queryFilter());
  const test = useMutation(trpc.hypervConnections.test.mutationOptions({ onSettled: refresh }));
  const sync = useMutation(
    trpc.hypervConnections.sync.mutationOptions({
      onSuccess: (result) => {
        const message = describeHypervSync(connection.name, result);
        // A sync that left guests or nodes unread is partial: a warning, as its log records it.
        if (!result.ok) toast.error(message);
        else if (unreadByHypervSync(result)) toast.warning(message);
        else toast.success(message);
        return Promise.all([refresh(), queryClient.invalidateQueries()]);
      },
      onError: () => refresh(),
    }),
  );
  const accept = useMutation(
    trpc.hypervConnections.acceptHostKey.mutationOptions({
      onSuccess: (accepted) => {
        toast.success(`The new SSH host key of ${accepted.name} is trusted`);
        return refresh();
      },
      // Refused because another key waits now: the card shows that one to compare.
      onError: () => refresh(),
    }),
  );
  const acceptNode = useMutation(
    trpc.hypervConnections.acceptNodeHostKey.mutationOptions({
      onSuccess: (_accepted, input) => {
        toast.success(`The new SSH host key of node ${nodeOf(input.endpoint)} is trusted`);
        return refresh();
      },
      onError: () => refresh(),
    }),
  );
  const nodeOf = (endpoint: string) => connection.refusedNodeHostKeys[endpoint]?.node ?? endpoint;
  const remove = useMutation(
    trpc.hypervConnections.remove.mutationOptions({
      onSuccess: (removed) => {
        // Four-eyes: the disconnect waits for a second admin; the connection stays until then.
        if ('approvalRequest' in removed) return announceApprovalRequested(removed.approvalRequest);
        toast.success(`Hyper-V host ${removed.name} disconnected`);
        return refresh();
      },
    }),
  );
  const needsApproval = useDisconnectNeedsApproval();
  return (
    <ConnectionCard
      label={`Hyper-V host ${connection.name}`}
      name={connection.name}
      address={`${connection.address}:${connection.port}`}
      accounts={[
        { role: 'account', name: connection.secretName },
        ...(connection.guestSecretId ? [{ role: 'guest account', name: connection.guestSecretName }] : []),
      ]}
      keyWord="SSH host key"
      compareWith="the host (ssh-keygen -lf C:\ProgramData\ssh\ssh_host_ed25519_key.pub)"
      trusted={[
        ...(connection.hostKey
          ? [
              {
                // Beside the nodes' keys, the connected node's is named by its address too.
                endpoint:
                  Object.keys(connection.nodeHostKeys).length > 0
                    ? `${connection.address}:${connection.port}`
                    : undefined,
                fingerprint: connection.hostKey,
              },
            ]
          : []),
        ...Object.entries(connection.nodeHostKeys).map(([endpoint, fingerprint]) => ({
          endpoint,
          fingerprint,
        })),
      ]}
      waiting={[
        ...(connection.refusedHostKey
          ? [
              {
                presentedBy: connection.name,
                fingerprint: connection.refusedHostKey,
                replaces: connection.hostKey,
                accept: (shown: string) => accept.mutate({ id: connection.id, fingerprint: shown }),
              },
            ]
          : []),
        // A cluster node's changed key, per node: accepting it trusts that node only.
        ...Object.entries(connection.refusedNodeHostKeys).map(([endpoint, refused]) => ({
          presentedBy: `node ${refused.node} (${endpoint})`,
          fingerprint: refused.fingerprint,
          replaces: connection.nodeHostKeys[endpoint] ?? null,
          accept: (shown: string) => acceptNode.mutate({ id: connection.id, endpoint, fingerprint: shown }),
        })),
      ]}
      syncNoun="sync"
      neverSynced="Not synced yet"
      syncButton={{ idle: 'Sync now', busy: 'Syncing…' }}
      lastSyncAt={connection.lastSyncAt}
      lastError={connection.lastError}
      error={test.error ?? sync.error ?? accept.error ?? acceptNode.error ?? remove.error}
      isTesting={test.isPending}
      isSyncing={sync.isPending}
      onTest={() => test.mutate({ id: connection.id })}
      onSync={() => sync.mutate({ id: connection.id })}
      onRemove={(typed) => remove.mutate({ id: connection.id, confirmation: typed })}
      removeImpact={
        <DisconnectImpactView connector="hyperv" id={connection.id} needsApproval={needsApproval} />
      }
      removeLabel={disconnectLabel(connection.name, needsApproval)}
      removeNote={`Disconnecting ${connection.name} forgets its address, accounts and trusted SSH host key; what its syncs brought (the host, its VMs, their restore points and jobs) stays in the inventory, but nothing can be backed up or restored on it until it is connected again.`}
      results={
        <>
          {test.data ? <HypervTestView result={test.data} /> : null}
          {sync.data ? <HypervSyncView name={connection.name} result={sync.data} /> : null}
          {sync.data?.ok && sync.data.cluster ? <HypervClusterView cluster={sync.data.cluster} /> : null}
          <SyncLog connector="hyperv" connectionId={connection.id} name={connection.name} />
        </>
      }
    >
      {connection.clusterName ? (
        <p className="mt-1 text-sm">
          Failover cluster {connection.clusterName}: every node is synced through this connection (
          {connection.nodeHostIds.map((id) => id.replace(/^hv-host:/, '').toUpperCase()).join(', ')} at the
          last sync).
        </p>
      ) : null}
      {connection.guestSecretId ? null : (
        <p className="mt-1 text-sm">
          No guest account: guests are not read through PowerShell Direct, so their volumes, shadow storage
          and applications stay unknown.
        </p>
      )}
      <HypervWsbTarget id={connection.id} name={connection.name} target={connection.wsbBackupTarget} />
    </ConnectionCard>
  );
}

export function HypervHosts() {
  const trpc = useTRPC();
  const connections = useQuery(trpc.hypervConnections.list.queryOptions());
  return (
    <section aria-labelledby="hyperv-heading">
      <h2 id="hyperv-heading" className="mb-2 text-lg font-semibold">
        Hyper-V hosts
      </h2>
      {connections.isPending ? (
        <LoadingState label="Loading Hyper-V hosts…" />
      ) : connections.isError ? (
        <ErrorState error={connections.error} title="Could not load the Hyper-V hosts" />
      ) : connections.data.length === 0 ? (
        <EmptyState>No Hyper-V host connected yet.</EmptyState>
      ) : (
        <div className="flex flex-col gap-3">
          {connections.data.map((connection) => (
            <HostCard key={connection.id} connection={connection} />
          ))}
        </div>
      )}
      <AddHypervHostForm />
    </section>
  );
}
