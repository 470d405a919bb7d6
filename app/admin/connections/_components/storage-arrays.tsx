'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { toast } from 'sonner';
import { EmptyState, ErrorState, LoadingState } from '@/app/_components/query-state';
import { type RouterOutputs, useTRPC } from '@/app/_lib/trpc';
import { AddArrayForm } from './add-array-form';
import { ConnectionCard, plural, TestResultAlert } from './connection-card';

type StorageArray = RouterOutputs['arrayConnections']['list'][number];
type TestResult = RouterOutputs['arrayConnections']['test'];
type SyncResult = RouterOutputs['arrayConnections']['sync'];

const VENDOR_LABEL: Record<StorageArray['vendor'], string> = {
  ontap: 'NetApp ONTAP cluster',
  equallogic: 'Dell EqualLogic group',
};

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
  return (
    <TestResultAlert
      result={result}
      title={
        !result.ok
          ? null
          : result.vendor === 'ontap'
            ? `Reachable and signed in: cluster ${result.clusterName}, ONTAP ${result.version}, ${plural(
                result.svmCount,
                'SVM',
                'SVMs',
              )}, ${plural(result.volumeCount, 'volume', 'volumes')}`
            : `Reachable and signed in: group ${result.groupName}, ${plural(result.volumeCount, 'volume', 'volumes')}`
      }
    />
  );
}

function ArrayCard({ connection }: { connection: StorageArray }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
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
      // Refused because another fingerprint waits now: the card shows that one to compare.
      onError: () => refresh(),
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
  const pinWord = keyWord(connection.vendor);
  return (
    <ConnectionCard
      label={`Array ${connection.name}`}
      name={connection.name}
      kind={VENDOR_LABEL[connection.vendor]}
      address={connection.address}
      accounts={[{ role: 'account', name: connection.secretName }]}
      keyWord={pinWord}
      compareWith="the array"
      trusted={connection.fingerprint ? [{ fingerprint: connection.fingerprint }] : []}
      waiting={
        connection.refusedFingerprint
          ? [
              {
                presentedBy: connection.name,
                fingerprint: connection.refusedFingerprint,
                replaces: connection.fingerprint,
                accept: (shown: string) => accept.mutate({ id: connection.id, fingerprint: shown }),
              },
            ]
          : []
      }
      syncNoun="discovery"
      syncButton={{ idle: 'Discover now', busy: 'Discovering…' }}
      lastSyncAt={connection.lastSyncAt}
      lastError={connection.lastError}
      error={test.error ?? sync.error ?? accept.error ?? remove.error}
      isTesting={test.isPending}
      isSyncing={sync.isPending}
      onTest={() => test.mutate({ id: connection.id })}
      onSync={() => sync.mutate({ id: connection.id })}
      onRemove={(typed) => remove.mutate({ id: connection.id, confirmation: typed })}
      removeNote={`Disconnecting ${connection.name} forgets its address, account choice and trusted ${pinWord}; what its discoveries brought (the array, its LUNs, restore points on them) stays in the inventory.`}
      results={test.data ? <TestResultView result={test.data} /> : null}
    >
      {connection.vendor === 'ontap' ? (
        <p className="mt-1 text-sm">
          {connection.stagingTarget
            ? `Staged restores map clones to igroup ${connection.stagingTarget}`
            : 'No staging igroup: staged restores from this cluster are not offered'}
        </p>
      ) : null}
    </ConnectionCard>
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
