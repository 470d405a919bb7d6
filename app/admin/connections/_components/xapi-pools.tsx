'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { toast } from 'sonner';
import { EmptyState, ErrorState, LoadingState } from '@/app/_components/query-state';
import { type RouterOutputs, useTRPC } from '@/app/_lib/trpc';
import { announceApprovalRequested } from '@/app/approvals/_components/approval-sent';
import { AddPoolForm } from './add-pool-form';
import { ConnectionCard, TestResultAlert } from './connection-card';
import { DisconnectImpactView, disconnectLabel, useDisconnectNeedsApproval } from './disconnect-impact-view';
import { PoolSshAccounts } from './pool-ssh-accounts';
import { SyncLog } from './sync-log';

type Pool = RouterOutputs['xapiPools']['list'][number];
type TestResult = RouterOutputs['xapiPools']['test'];

function TestResultView({ result }: { result: TestResult }) {
  return (
    <TestResultAlert
      result={result}
      title={
        result.ok
          ? `Connected to pool ${result.poolName}: ${result.hosts.length} host(s), ${result.vmCount} VM(s), ${result.srCount} storage repositories`
          : null
      }
      details={
        result.ok ? (
          <ul className="list-disc pl-5">
            {result.hosts.map((host) => (
              <li key={host.name}>
                {host.name}
                {host.isMaster ? ' (pool master)' : ''}: {host.brand} {host.productVersion}, API{' '}
                {host.apiVersion}
              </li>
            ))}
          </ul>
        ) : null
      }
    />
  );
}

function PoolCard({ pool }: { pool: Pool }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const refresh = () => queryClient.invalidateQueries(trpc.xapiPools.list.queryFilter());
  const test = useMutation(trpc.xapiPools.test.mutationOptions({ onSettled: refresh }));
  const discover = useMutation(
    trpc.xapiPools.discover.mutationOptions({
      onSuccess: (found) => {
        const message = `Discovered ${found.poolName}: ${found.hosts} host(s), ${found.vms} VM(s) in the inventory`;
        // A read that left guests or SRs unread is partial: a warning naming them, as its log records it.
        if (found.notRead.length === 0) toast.success(message);
        else
          toast.warning(`${message}; ${found.notRead.length} not read`, {
            description: found.notRead.slice(0, 5).join('; ') + (found.notRead.length > 5 ? '; …' : ''),
          });
        return Promise.all([refresh(), queryClient.invalidateQueries()]);
      },
      onError: () => refresh(),
    }),
  );
  // Refused because another certificate waits now: the refreshed card shows that one to compare.
  const accept = useMutation(
    trpc.xapiPools.acceptCertificate.mutationOptions({ onSuccess: refresh, onError: () => refresh() }),
  );
  const remove = useMutation(
    trpc.xapiPools.remove.mutationOptions({
      onSuccess: (removed) => {
        // Four-eyes: the disconnect waits for a second admin; the pool stays until then.
        if ('approvalRequest' in removed) return announceApprovalRequested(removed.approvalRequest);
        toast.success(`Pool ${removed.name} disconnected`);
        return refresh();
      },
    }),
  );
  const needsApproval = useDisconnectNeedsApproval();
  return (
    <ConnectionCard
      label={`Pool ${pool.name}`}
      name={pool.name}
      address={pool.address}
      accounts={[{ role: 'account', name: pool.accountName }]}
      keyWord="certificate"
      compareWith="the host's console"
      trusted={pool.pinned}
      waiting={pool.waiting.map((waiting) => ({
        presentedBy: waiting.endpoint,
        fingerprint: waiting.fingerprint,
        replaces: pool.pinned.find((pin) => pin.endpoint === waiting.endpoint)?.fingerprint ?? null,
        accept: (shown: string) =>
          accept.mutate({ id: pool.id, endpoint: waiting.endpoint, fingerprint: shown }),
      }))}
      syncNoun="sync"
      syncButton={{ idle: 'Discover now', busy: 'Discovering…' }}
      lastSyncAt={pool.lastSyncAt}
      lastError={pool.lastError}
      error={test.error ?? discover.error ?? accept.error ?? remove.error}
      isTesting={test.isPending}
      isSyncing={discover.isPending}
      onTest={() => test.mutate({ id: pool.id })}
      onSync={() => discover.mutate({ id: pool.id })}
      onRemove={(typed) => remove.mutate({ id: pool.id, confirmation: typed })}
      removeImpact={<DisconnectImpactView connector="xapi" id={pool.id} needsApproval={needsApproval} />}
      removeLabel={disconnectLabel(pool.name, needsApproval)}
      removeNote={`Disconnecting ${pool.name} forgets its address, account, trusted certificates and sync log; what its syncs brought (its hosts, VMs, their restore points and jobs) stays in the inventory, but nothing can be backed up or restored on it until it is connected again.`}
      results={
        <>
          {test.data ? <TestResultView result={test.data} /> : null}
          <SyncLog connector="xapi" connectionId={pool.id} name={pool.name} />
        </>
      }
    >
      <PoolSshAccounts pool={pool} />
    </ConnectionCard>
  );
}

export function XapiPools() {
  const trpc = useTRPC();
  const pools = useQuery(trpc.xapiPools.list.queryOptions());
  return (
    <section aria-labelledby="pools-heading">
      <h2 id="pools-heading" className="mb-2 text-lg font-semibold">
        XenServer / XCP-ng pools
      </h2>
      {pools.isPending ? (
        <LoadingState label="Loading pools…" />
      ) : pools.isError ? (
        <ErrorState error={pools.error} title="Could not load the pools" />
      ) : pools.data.length === 0 ? (
        <EmptyState>No pool connected yet.</EmptyState>
      ) : (
        <div className="flex flex-col gap-3">
          {pools.data.map((pool) => (
            <PoolCard key={pool.id} pool={pool} />
          ))}
        </div>
      )}
      <AddPoolForm />
    </section>
  );
}
