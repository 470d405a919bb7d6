/**
 * How current a host's facts are. A host read by a connection (a Hyper-V host, a XenServer pool)
 * keeps what its last successful sync read: when a later sync fails, or no connection reads it (it
 * was disconnected, or its facts came from a collected file), its pages and its VMs' pages still
 * show those facts, and must say they may be out of date rather than present them as today's. Lab hosts are read from the file-backed lab on every change and are
 * always current.
 *
 * Which connection reads a host, and what its last sync makes of the host's facts, is decided here
 * once, for one host (its page) and for the whole estate (stale-hosts.ts) alike.
 */
import type { HypervConnectionRecord, Stores, XapiPoolRecord } from '../../../db/stores/ports';
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

/** The connectors whose hosts a connection reads; every other host (the lab's) is always current. */
export type ConnectionConnector = keyof typeof CONNECTION_KIND_WORDS;
export const CONNECTION_CONNECTORS = Object.keys(CONNECTION_KIND_WORDS) as ConnectionConnector[];

/** Every connection that reads hosts. A handful per estate (an admin adds each): read whole. */
export interface HostReaders {
  hyperv: readonly HypervConnectionRecord[];
  xapi: readonly XapiPoolRecord[];
}

export async function readHostReaders(stores: SyncStores): Promise<HostReaders> {
  const [hyperv, xapi] = await Promise.all([stores.hypervConnections.list(), stores.xapiPools.list()]);
  return { hyperv, xapi };
}

/** Which kind of connection reads a host, and which one does (null: none any more). */
export interface HostReading {
  connector: ConnectionConnector;
  reader: HypervConnectionRecord | XapiPoolRecord | null;
}

/** Undefined for a host no connection reads (the lab's), whose facts are always current. */
export function readerOfHost(
  readers: HostReaders,
  host: Pick<Host, 'id' | 'connector'>,
): HostReading | undefined {
  if (host.connector === 'hyperv') {
    // The connection that reached the host itself, else the one whose cluster it is a node of.
    const reader =
      readers.hyperv.find((connection) => connection.hostId === host.id) ??
      readers.hyperv.find((connection) => connection.nodeHostIds.includes(host.id)) ??
      null;
    return { connector: 'hyperv', reader };
  }
  if (host.connector === 'xapi') {
    return { connector: 'xapi', reader: readers.xapi.find((pool) => pool.hostIds.includes(host.id)) ?? null };
  }
  return undefined;
}

/** What the reader's last sync makes of its hosts' facts; null when they are current. */
export function syncStateOfReader(read: HostReading | undefined): HostSyncState | null {
  if (read === undefined) return null;
  const connectionKind = CONNECTION_KIND_WORDS[read.connector];
  if (read.reader === null) return { kind: 'disconnected', connectionKind };
  if (read.reader.lastError === null) return null;
  return {
    kind: 'failed',
    connectionName: read.reader.name,
    connectionKind,
    // The stores keep the time of the last sync that succeeded: a failure records only its error.
    readAt: read.reader.lastSyncAt,
    error: read.reader.lastError,
  };
}

/** Null when the host's facts are current: a lab host, or a connection whose last sync succeeded. */
export async function hostSyncStateOf(
  stores: SyncStores,
  host: Pick<Host, 'id' | 'connector'>,
): Promise<HostSyncState | null> {
  if (!(CONNECTION_CONNECTORS as string[]).includes(host.connector)) return null;
  return syncStateOfReader(readerOfHost(await readHostReaders(stores), host));
}
