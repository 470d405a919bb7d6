/**
 * Storage-array connections as the worker uses them: an ONTAP connection's client takes its account
 * from the vault on every request, its certificate pin from the connection's record (a changed
 * certificate waits for an admin), and journals its jobs in the connection's job table, so a worker
 * that restarts waits on the same ONTAP job. `storedOntapClusters` is what the process's driver
 * registry asks to find the cluster behind an inventory array.
 */
import type { ArrayConnectionRecord, Stores } from '../../db/stores/ports';
import type { ServiceContext } from '../context';
import type { CallOptions } from '../drivers/call';
import { OntapClient, type OntapClock, type OntapJobJournal } from '../drivers/ontap/ontap-client';
import type { ConnectedCluster } from '../drivers/ontap/ontap-connector';
import { discoverOntap, toInventory } from '../drivers/ontap/ontap-discovery';
import { toDriverError } from '../drivers/ontap/ontap-errors';
import type { TrustStore } from '../drivers/xapi/xapi-transport';
import { linkedByDevice } from '../engine/device-ids';
import { type DomainError, goneSinceLoaded } from './errors';
import { importInventory } from './import-service';
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

/** What a discovery stored, or why it failed. */
export interface OntapSyncResult {
  arrayId: string;
  lunCount: number;
  consistencyGroupCount: number;
  /** Host volumes linked to the LUN behind them (by NAA id). */
  linkedHostVolumes: string[];
}

/**
 * An array connection an admin acted on from the connections page, gone when the request reached
 * it (array-admin-service reads it first; a sync finds it gone only if it was removed in between).
 */
export function arrayConnectionGone(): DomainError {
  return goneSinceLoaded('array connection', 'id', 'an admin disconnected the array');
}

/**
 * Discovers the cluster into the inventory (merge): the array, one array volume per LUN with its
 * NAA id, the consistency groups. Every host volume or SR whose device (as the Hyper-V and XAPI
 * syncs recorded it) is one of these LUNs is linked to it by the import (engine/device-ids.ts), so
 * the VM → disk → volume → LUN chain is discovered, not typed in. The connection records when the
 * discovery ended and how.
 */
export async function syncOntapConnection(
  stores: ArrayStores & Pick<Stores, 'inventory'>,
  ctx: ServiceContext,
  keys: VaultKeySource,
  connectionId: string,
  options: CallOptions,
): Promise<OntapSyncResult> {
  const connection = await stores.arrayConnections.get(connectionId);
  if (connection?.vendor !== 'ontap') throw arrayConnectionGone();
  const client = ontapClientFor(stores, ctx, keys, connection);
  const arrayId = connection.arrayId ?? `ontap:${connection.id}`;
  try {
    const found = toInventory(arrayId, connection.name, await discoverOntap(client, options));
    const stored = await stores.inventory.loadInventory();
    // What the import below will link: reported by name on the connection card.
    const linked = linkedByDevice(stored.hostVolumes, found.arrayVolumes);
    await importInventory(
      stores,
      ctx,
      { arrays: [found.array], arrayVolumes: found.arrayVolumes, consistencyGroups: found.consistencyGroups },
      'merge',
    );
    await stores.arrayConnections.recordSync(connectionId, ctx.now(), null, arrayId);
    return {
      arrayId,
      lunCount: found.arrayVolumes.length,
      consistencyGroupCount: found.consistencyGroups.length,
      linkedHostVolumes: linked.map((volume) => volume.id),
    };
  } catch (error) {
    const mapped = toDriverError(error, client.label);
    await stores.arrayConnections.recordSync(
      connectionId,
      ctx.now(),
      mapped instanceof Error ? mapped.message : String(mapped),
    );
    throw mapped;
  }
}
