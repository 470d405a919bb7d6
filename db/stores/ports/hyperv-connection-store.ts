/**
 * Hyper-V host connections (db/schema-hyperv.ts): the hosts an admin connected, the SSH host-key
 * fingerprint pinned for each, and the outcome of the last sync.
 */

export interface HypervConnectionRecord {
  id: string;
  name: string;
  /** Host name or address of the Windows host's OpenSSH server. */
  address: string;
  port: number;
  /** The vault secret with the host account (password or private key). */
  secretId: string;
  /** The vault secret with the guest account for PowerShell Direct; null = guests are not read. */
  guestSecretId: string | null;
  /** Windows Server Backup's target on the host (`E:` or a share); null = WSB is not used. */
  wsbBackupTarget: string | null;
  /** Inventory id of the host (`hv-host:<computer>`) as the last sync saw it; null before. */
  hostId: string | null;
  /** Pinned SSH host-key fingerprint (`SHA256:…`); null until the first connection. */
  hostKey: string | null;
  /** A different fingerprint the host presented, waiting for an admin. */
  refusedHostKey: string | null;
  createdAt: Date;
  createdBy: string;
  lastSyncAt: Date | null;
  lastError: string | null;
  /** The failover cluster the connected node is in, as the last sync saw it; null for a stand-alone host. */
  clusterName: string | null;
  /** Inventory ids of every cluster node the last sync read (empty for a stand-alone host). */
  nodeHostIds: string[];
  /** SSH host-key pins of the cluster's other nodes, by endpoint (`hv02:22`). */
  nodeHostKeys: Record<string, string>;
  /** A different key a node presented than its pin, by endpoint, waiting for an admin. */
  refusedNodeHostKeys: Record<string, RefusedNodeKey>;
}

/** A cluster node's host key that did not match its pin: which node, and the key it presented. */
export interface RefusedNodeKey {
  node: string;
  fingerprint: string;
}

export type NewHypervConnection = Omit<
  HypervConnectionRecord,
  | 'hostId'
  | 'hostKey'
  | 'refusedHostKey'
  | 'lastSyncAt'
  | 'lastError'
  | 'clusterName'
  | 'nodeHostIds'
  | 'nodeHostKeys'
  | 'refusedNodeHostKeys'
>;

export interface HypervConnectionStore {
  /**
   * Refuses a name another connection has in any case (the unique name key: two saves at once cannot both
   * win) with the CONFLICT DomainError naming it; nothing is written then.
   */
  insert(connection: NewHypervConnection): Promise<HypervConnectionRecord>;
  get(id: string): Promise<HypervConnectionRecord | null>;
  /** Every connection, by name. */
  list(): Promise<HypervConnectionRecord[]>;
  /** Pins a fingerprint whatever waits (first use, or a key compared before saving); clears the refusal. */
  pin(id: string, fingerprint: string): Promise<void>;
  /**
   * An admin's accept: pins `fingerprint` and clears the refusal only while it is the one waiting
   * (compare-and-set, so a refusal that replaced it since is never pinned unseen); false when
   * another key or none is waiting, and nothing was written.
   */
  pinIfWaiting(id: string, fingerprint: string): Promise<boolean>;
  /** Sets Windows Server Backup's target (null: WSB is not used on this host). */
  setWsbBackupTarget(id: string, target: string | null): Promise<void>;
  /**
   * Remembers a fingerprint that did not match the pin; the pinned one itself is never recorded as
   * waiting (a test or sync in flight while an admin accepted it would otherwise list it again).
   */
  refuse(id: string, fingerprint: string): Promise<void>;
  /** A sync ended: at `at`, with `error` (null when it succeeded, then `hostId` is the host it saw). */
  recordSync(id: string, at: Date, error: string | null, hostId?: string): Promise<void>;
  /** A sync found the connected node in `clusterName` (null: stand-alone) and read these nodes. */
  recordCluster(id: string, clusterName: string | null, nodeHostIds: string[]): Promise<void>;
  /** Pins a cluster node's host key whatever waits (first use: nothing pinned yet) and clears its refusal. */
  pinNode(id: string, endpoint: string, fingerprint: string): Promise<void>;
  /**
   * An admin's accept of a node's key: pins `fingerprint` for the endpoint and clears its refusal
   * only while it is the one waiting there (compare-and-set, so a refusal that replaced it since is
   * never pinned unseen); false when another key or none is waiting, and nothing was written.
   */
  pinNodeIfWaiting(id: string, endpoint: string, fingerprint: string): Promise<boolean>;
  /** Remembers a key a cluster node presented that did not match its pin (never the pinned key itself). */
  refuseNode(id: string, endpoint: string, refused: RefusedNodeKey): Promise<void>;
  /** The connection whose last sync saw this host (the connected host, or a node of its cluster). */
  findByHostId(hostId: string): Promise<HypervConnectionRecord | null>;
  /** False when it did not exist. */
  delete(id: string): Promise<boolean>;
}
