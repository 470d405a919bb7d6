'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { toast } from 'sonner';
import { MutationErrorAlert } from '@/app/_components/mutation-error-alert';
import { EmptyState, ErrorState, LoadingState } from '@/app/_components/query-state';
import { Alert, AlertTitle } from '@/app/_components/ui/alert';
import { Badge } from '@/app/_components/ui/badge';
import { Button } from '@/app/_components/ui/button';
import { formatDateTime } from '@/app/_lib/restore-format';
import { type RouterOutputs, useTRPC } from '@/app/_lib/trpc';
import { AddPoolForm } from './add-pool-form';

type Pool = RouterOutputs['xapiPools']['list'][number];
type TestResult = RouterOutputs['xapiPools']['test'];

function TestResultView({ result }: { result: TestResult }) {
  if (!result.ok) {
    return (
      <Alert tone="danger" role="alert">
        <AlertTitle>Connection failed: {result.message}</AlertTitle>
      </Alert>
    );
  }
  return (
    <Alert tone="success" role="status">
      <AlertTitle>
        Connected to pool {result.poolName}: {result.hosts.length} host(s), {result.vmCount} VM(s),{' '}
        {result.srCount} storage repositories
      </AlertTitle>
      <ul className="list-disc pl-5">
        {result.hosts.map((host) => (
          <li key={host.name}>
            {host.name}
            {host.isMaster ? ' (pool master)' : ''}: {host.brand} {host.productVersion}, API {host.apiVersion}
          </li>
        ))}
      </ul>
    </Alert>
  );
}

function PoolCard({ pool }: { pool: Pool }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [isConfirmingRemove, setConfirmingRemove] = useState(false);
  const refresh = () => queryClient.invalidateQueries(trpc.xapiPools.list.queryFilter());
  const test = useMutation(trpc.xapiPools.test.mutationOptions({ onSettled: refresh }));
  const discover = useMutation(
    trpc.xapiPools.discover.mutationOptions({
      onSuccess: (found) => {
        toast.success(
          `Discovered ${found.poolName}: ${found.hosts} host(s), ${found.vms} VM(s) in the inventory`,
        );
        return Promise.all([refresh(), queryClient.invalidateQueries()]);
      },
      onError: () => refresh(),
    }),
  );
  const accept = useMutation(trpc.xapiPools.acceptCertificate.mutationOptions({ onSuccess: refresh }));
  const remove = useMutation(
    trpc.xapiPools.remove.mutationOptions({
      onSuccess: (removed) => {
        toast.success(`Pool ${removed.name} disconnected`);
        return refresh();
      },
    }),
  );
  const error = test.error ?? discover.error ?? accept.error ?? remove.error;
  return (
    <article aria-label={`Pool ${pool.name}`} className="rounded-md border border-slate-200 bg-white p-4">
      <header className="flex flex-wrap items-baseline justify-between gap-2">
        <h3 className="text-base font-semibold">{pool.name}</h3>
        <span className="text-sm text-slate-600">
          {pool.address} · account {pool.accountName ?? <Badge tone="danger">deleted from the vault</Badge>}
        </span>
      </header>
      <p className="mt-1 text-sm">
        {pool.lastSyncAt ? `Last sync ${formatDateTime(pool.lastSyncAt)}` : 'Not discovered yet'}
        {pool.lastError ? (
          <span className="block text-red-700">Last sync failed: {pool.lastError}</span>
        ) : null}
      </p>
      {pool.pinned.length > 0 ? (
        <div className="mt-2 text-sm">
          <span className="font-medium">Trusted certificates</span>
          <ul className="font-mono text-xs">
            {pool.pinned.map((pin) => (
              <li key={pin.endpoint}>
                {pin.endpoint}: {pin.fingerprint}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      {pool.waiting.map((waiting) => (
        <Alert key={waiting.endpoint} tone="warning" role="alert" className="mt-2">
          <AlertTitle>
            {waiting.endpoint} presented a different certificate: {waiting.fingerprint}. Migawka refuses to
            talk to it until you accept it — compare the fingerprint with the host's console first.
          </AlertTitle>
          <Button
            size="sm"
            variant="secondary"
            onClick={() => accept.mutate({ id: pool.id, endpoint: waiting.endpoint })}
          >
            Accept the new certificate of {waiting.endpoint}
          </Button>
        </Alert>
      ))}
      {error ? <MutationErrorAlert error={error} /> : null}
      {test.data ? <TestResultView result={test.data} /> : null}
      <div className="mt-3 flex flex-wrap gap-2">
        <Button variant="secondary" disabled={test.isPending} onClick={() => test.mutate({ id: pool.id })}>
          {test.isPending ? 'Testing…' : 'Test connection'}
        </Button>
        <Button disabled={discover.isPending} onClick={() => discover.mutate({ id: pool.id })}>
          {discover.isPending ? 'Discovering…' : 'Discover now'}
        </Button>
        {isConfirmingRemove ? (
          <>
            <Button variant="secondary" onClick={() => remove.mutate({ id: pool.id })}>
              Disconnect {pool.name}
            </Button>
            <Button variant="ghost" onClick={() => setConfirmingRemove(false)}>
              Keep it
            </Button>
          </>
        ) : (
          <Button variant="ghost" onClick={() => setConfirmingRemove(true)}>
            Disconnect…
          </Button>
        )}
      </div>
    </article>
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
