/**
 * How current a host's facts are. A host read by a connection (a Hyper-V host, a XenServer pool)
 * keeps what its last successful sync read: when a later sync fails, or no connection reads it (it
 * was disconnected, or its facts came from a collected file), its pages and its VMs' pages still
 * show those facts, and must say they may be out of date rather than present them as today's. Lab hosts are read from the file-backed lab on every change and are
 * always current.
 */
import type { Stores } from '../../../db/stores/ports';
import type { Host } from '../../engine/inventory';
import { CONNECTION_KIND_WORDS, type ConnectionKindWords } from '../connection-labels';

type SyncStores = Pick<Stores, 'hypervConnections' | 'xapiPools'>;

/** What reads a host's facts, and how its last sync ended. */
export type HostSyncState =
  /** The connection's last sync failed: the facts are those of its last successful sync, at `readAt`. */
  | {
      kind: 'failed';
      connectionName: string;
      connectionKind: ConnectionKindWords;
      readAt: Date | null;
      error: string;
    }
  /** No connection reads the host (it was disconnected, or collected into a file): the last facts read. */
  | { kind: 'disconnected'; connectionKind: ConnectionKindWords };

/** Null when the host's facts are current: a lab host, or a connection whose last sync succeeded. */
export async function hostSyncStateOf(
  stores: SyncStores,
  host: Pick<Host, 'id' | 'connector'>,
): Promise<HostSyncState | null> {
  const found = await connectionOf(stores, host);
  if (found === undefined) return null;
  if (found.connection === null) return { kind: 'disconnected', connectionKind: found.connectionKind };
  const { connection, connectionKind } = found;
  if (connection.lastError === null) return null;
  return {
    kind: 'failed',
    connectionName: connection.name,
    connectionKind,
    // The stores keep the time of the last sync that succeeded: a failure records only its error.
    readAt: connection.lastSyncAt,
    error: connection.lastError,
  };
}

type ConnectionOfHost = {
  connectionKind: ConnectionKindWords;
  connection: { name: string; lastSyncAt: Date | null; lastError: string | null } | null;
};

/** The connection that reads the host (null: none any more); undefined for a host no connection reads. */
async function connectionOf(
  stores: SyncStores,
  host: Pick<Host, 'id' | 'connector'>,
): Promise<ConnectionOfHost | undefined> {
  if (host.connector === 'hyperv') {
    return {
      connectionKind: CONNECTION_KIND_WORDS.hyperv,
      connection: await stores.hypervConnections.findByHostId(host.id),
    };
  }
  if (host.connector === 'xapi') {
    // A handful of pools per estate: read whole, as the connections page does.
    const pools = await stores.xapiPools.list();
    return {
      connectionKind: CONNECTION_KIND_WORDS.xapi,
      connection: pools.find((pool) => pool.hostIds.includes(host.id)) ?? null,
    };
  }
  return undefined;
}
