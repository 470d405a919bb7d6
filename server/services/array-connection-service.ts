/**
 * Storage-array connections as the worker uses them: an ONTAP connection's client takes its account
 * from the vault on every request, its certificate pin from the connection's record (a changed
 * certificate waits for an admin), and journals its jobs in the connection's job table, so a worker
 * that restarts waits on the same ONTAP job. `storedOntapClusters` is what the process's driver
 * registry asks to find the cluster behind an inventory array.
 */
import type { ArrayConnectionRecord, Stores } from '../../db/stores/ports';
import type { ServiceContext } from '../context';
import { OntapClient, type OntapClock, type OntapJobJournal } from '../drivers/ontap/ontap-client';
import type { ConnectedCluster } from '../drivers/ontap/ontap-connector';
import type { TrustStore } from '../drivers/xapi/xapi-transport';
import type { VaultKeySource } from './vault-key';
import { revealSecret } from './vault-service';

type ArrayStores = Pick<Stores, 'arrayConnections' | 'secrets'>;

/** The pin kept on the connection's record (one cluster address per connection). */
export function connectionTrust(stores: Pick<Stores, 'arrayConnections'>, id: string): TrustStore {
  return {
    pinned: async () => (await stores.arrayConnections.get(id))?.fingerprint ?? null,
    pin: (_endpoint, fingerprint) => stores.arrayConnections.pin(id, fingerprint),
    refused: (_endpoint, fingerprint) => stores.arrayConnections.refuse(id, fingerprint),
  };
}

/** The connection's job journal: written before the client waits on a job. */
export function connectionJobJournal(stores: Pick<Stores, 'arrayConnections'>, id: string): OntapJobJournal {
  return {
    find: async (key) => {
      const job = await stores.arrayConnections.findJob(id, key);
      return job ? { jobUuid: job.jobUuid, startedAt: job.startedAt.getTime() } : null;
    },
    record: (key, job) =>
      stores.arrayConnections.recordJob(id, key, {
        jobUuid: job.jobUuid,
        startedAt: new Date(job.startedAt),
      }),
    forget: (key) => stores.arrayConnections.forgetJob(id, key),
  };
}

export function ontapClientFor(
  stores: ArrayStores,
  ctx: ServiceContext,
  keys: VaultKeySource,
  connection: ArrayConnectionRecord,
  clock?: OntapClock,
): OntapClient {
  return new OntapClient({
    label: `ONTAP ${connection.name}`,
    address: connection.address,
    credentials: {
      credentials: async () => {
        const { metadata, value } = await revealSecret(stores, ctx, keys, connection.secretId);
        return { username: metadata.username ?? 'admin', password: value };
      },
    },
    trust: connectionTrust(stores, connection.id),
    journal: connectionJobJournal(stores, connection.id),
    clock,
  });
}

/** The ONTAP connection serving an inventory array (one client per connection), for the registry. */
export function storedOntapClusters(
  stores: ArrayStores,
  ctx: ServiceContext,
  keys: VaultKeySource,
  clock?: OntapClock,
): (arrayId: string) => Promise<ConnectedCluster | null> {
  const clients = new Map<string, { client: OntapClient; address: string; secretId: string }>();
  return async (arrayId) => {
    const connection = await stores.arrayConnections.findByArrayId(arrayId);
    if (connection?.vendor !== 'ontap') return null;
    let known = clients.get(connection.id);
    // A connection edited since (address or account) gets a fresh client.
    if (!known || known.address !== connection.address || known.secretId !== connection.secretId) {
      known = {
        client: ontapClientFor(stores, ctx, keys, connection, clock),
        address: connection.address,
        secretId: connection.secretId,
      };
      clients.set(connection.id, known);
    }
    return {
      name: connection.name,
      arrayId,
      client: known.client,
      stagingIgroup: connection.stagingTarget ?? '',
    };
  };
}
