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
import { AddArrayForm } from './add-array-form';

type StorageArray = RouterOutputs['arrayConnections']['list'][number];
type TestResult = RouterOutputs['arrayConnections']['test'];
type SyncResult = RouterOutputs['arrayConnections']['sync'];

const VENDOR_LABEL: Record<StorageArray['vendor'], string> = {
  ontap: 'NetApp ONTAP cluster',
  equallogic: 'Dell EqualLogic group',
};

function plural(count: number, one: string, many: string): string {
  return `${count} ${count === 1 ? one : many}`;
}

/** What a discovery brought into the inventory, in words. */
export function describeSync(name: string, result: SyncResult): string {
  if (!result.ok) return `Discovery of ${name} failed: ${result.message}`;
  if (result.vendor === 'equallogic') {
    return `Discovered ${name}: ${plural(result.volumeCount, 'volume', 'volumes')} in the inventory`;
  }
  const linked = result.linkedHostVolumes.length;
  return `Discovered ${name}: ${plural(result.lunCount, 'LUN', 'LUNs')}, ${plural(
    result.consistencyGroupCount,
    'consistency group',
    'consistency groups',
  )}${linked > 0 ? `, ${plural(linked, 'host volume', 'host volumes')} linked to their LUN` : ''} in the inventory`;
}

function TestResultView({ result }: { result: TestResult }) {
  if (!result.ok) {
    return (
      <Alert tone="danger" role="alert" className="mt-2">
        <AlertTitle>Connection failed: {result.message}</AlertTitle>
      </Alert>
    );
  }
  return (
    <Alert tone="success" role="status" className="mt-2">
      <AlertTitle>
        {result.vendor === 'ontap'
          ? `Reachable and signed in: cluster ${result.clusterName}, ONTAP ${result.version}, ${plural(
              result.svmCount,
              'SVM',
              'SVMs',
            )}, ${plural(result.volumeCount, 'volume', 'volumes')}`
          : `Reachable and signed in: group ${result.groupName}, ${plural(result.volumeCount, 'volume', 'volumes')}`}
      </AlertTitle>
    </Alert>
  );
}

function ArrayCard({ connection }: { connection: StorageArray }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [isConfirmingRemove, setConfirmingRemove] = useState(false);
  const refresh = () => queryClient.invalidateQueries(trpc.arrayConnections.list.queryFilter());
  const test = useMutation(trpc.arrayConnections.test.mutationOptions({ onSettled: refresh }));
  const sync = useMutation(
    trpc.arrayConnections.sync.mutationOptions({
      onSuccess: (result) => {
        const message = describeSync(connection.name, result);
        if (result.ok) toast.success(message);
        else toast.error(message);
        return Promise.all([refresh(), queryClient.invalidateQueries()]);
      },
      onError: () => refresh(),
    }),
  );
  const accept = useMutation(
    trpc.arrayConnections.acceptCertificate.mutationOptions({
      onSuccess: (accepted) => {
        toast.success(`The new ${keyWord(accepted.vendor)} of ${accepted.name} is trusted`);
        return refresh();
      },
    }),
  );
  const remove = useMutation(
    trpc.arrayConnections.remove.mutationOptions({
      onSuccess: (removed) => {
        toast.success(`Array ${removed.name} disconnected`);
        return refresh();
      },
    }),
  );
  const error = test.error ?? sync.error ?? accept.error ?? remove.error;
  const pinWord = keyWord(connection.vendor);
  return (
    <article
      aria-label={`Array ${connection.name}`}
      className="rounded-md border border-slate-200 bg-white p-4"
    >
      <header className="flex flex-wrap items-baseline justify-between gap-2">
        <h3 className="text-base font-semibold">
          {connection.name}{' '}
          <span className="font-normal text-slate-600">({VENDOR_LABEL[connection.vendor]})</span>
        </h3>
        <span className="text-sm text-slate-600">
          {connection.address} · account{' '}
          {connection.secretName ?? <Badge tone="danger">deleted from the vault</Badge>}
        </span>
      </header>
      {connection.vendor === 'ontap' ? (
        <p className="mt-1 text-sm">
          {connection.stagingTarget
            ? `Staged restores map clones to igroup ${connection.stagingTarget}`
            : 'No staging igroup: staged restores from this cluster are not offered'}
        </p>
      ) : null}
      <p className="mt-1 text-sm">
        {connection.lastSyncAt
          ? `Last discovery ${formatDateTime(connection.lastSyncAt)}`
          : 'Not discovered yet'}
        {connection.lastError ? (
          <span className="block text-red-700">Last discovery failed: {connection.lastError}</span>
        ) : null}
      </p>
      <p className="mt-1 text-sm">
        <span className="font-medium">Trusted {pinWord}: </span>
        {connection.fingerprint ? (
          <span className="font-mono text-xs">{connection.fingerprint}</span>
        ) : (
          'none yet (trusted on the first connection: compare it with the array afterwards)'
        )}
      </p>
      {connection.refusedFingerprint ? (
        <Alert tone="warning" role="alert" className="mt-2">
          <AlertTitle>
            {connection.name} presented a different {pinWord}: {connection.refusedFingerprint}. Migawka
            refuses to talk to it until you accept it — compare the fingerprint with the array first.
          </AlertTitle>
          <Button size="sm" variant="secondary" onClick={() => accept.mutate({ id: connection.id })}>
            Accept the new {pinWord} of {connection.name}
          </Button>
        </Alert>
      ) : null}
      {error ? <MutationErrorAlert error={error} /> : null}
      {test.data ? <TestResultView result={test.data} /> : null}
      <div className="mt-3 flex flex-wrap gap-2">
        <Button
          variant="secondary"
          disabled={test.isPending}
          onClick={() => test.mutate({ id: connection.id })}
        >
          {test.isPending ? 'Testing…' : 'Test connection'}
        </Button>
        <Button disabled={sync.isPending} onClick={() => sync.mutate({ id: connection.id })}>
          {sync.isPending ? 'Discovering…' : 'Discover now'}
        </Button>
        {isConfirmingRemove ? (
          <>
            <Button variant="secondary" onClick={() => remove.mutate({ id: connection.id })}>
              Disconnect {connection.name}
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
      {isConfirmingRemove ? (
        <p className="mt-2 text-sm text-slate-600">
          Disconnecting {connection.name} forgets its address, account choice and trusted {pinWord}; what its
          discoveries brought (the array, its LUNs, restore points on them) stays in the inventory.
        </p>
      ) : null}
    </article>
  );
}

function keyWord(vendor: StorageArray['vendor']): string {
  return vendor === 'ontap' ? 'certificate' : 'SSH host key';
}

export function StorageArrays() {
  const trpc = useTRPC();
  const connections = useQuery(trpc.arrayConnections.list.queryOptions());
  return (
    <section aria-labelledby="arrays-heading">
      <h2 id="arrays-heading" className="mb-2 text-lg font-semibold">
        Storage arrays
      </h2>
      {connections.isPending ? (
        <LoadingState label="Loading storage arrays…" />
      ) : connections.isError ? (
        <ErrorState error={connections.error} title="Could not load the storage arrays" />
      ) : connections.data.length === 0 ? (
        <EmptyState>No storage array connected yet.</EmptyState>
      ) : (
        <div className="flex flex-col gap-3">
          {connections.data.map((connection) => (
            <ArrayCard key={connection.id} connection={connection} />
          ))}
        </div>
      )}
      <AddArrayForm />
    </section>
  );
}
