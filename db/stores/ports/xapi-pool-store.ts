/**
 * XAPI pool connections (db/schema-xapi.ts): the pools an admin connected, the certificate pins of
 * their hosts, and the journal of `Async.*` tasks the connector waits on.
 */

export interface XapiPoolRecord {
  id: string;
  name: string;
  address: string;
  /** The vault secret holding the pool account. */
  secretId: string;
  /** The vault secret of the Linux guests' account for the guest hook; null when none is set. */
  guestSecretId: string | null;
  /** The vault secret of dom0's SSH account for the host flush; null when none is set. */
  hostSshSecretId: string | null;
  /** How long a frozen guest waits for the thaw before its own shell thaws it; null: the default. */
  freezeWindowSeconds: number | null;
  /** Pinned SHA-256 fingerprint per host endpoint (TLS); SSH host keys under `ssh:<endpoint>`. */
  pins: Record<string, string>;
  /** A different fingerprint a host presented, per endpoint, waiting for an admin. */
  refused: Record<string, string>;
  createdAt: Date;
  createdBy: string;
  lastSyncAt: Date | null;
  lastError: string | null;
  /** Inventory ids of the pool's hosts as its last successful sync saw them (empty before one). */
  hostIds: string[];
}

export type NewXapiPool = Omit<
  XapiPoolRecord,
  | 'pins'
  | 'refused'
  | 'lastSyncAt'
  | 'lastError'
  | 'hostIds'
  | 'guestSecretId'
  | 'hostSshSecretId'
  | 'freezeWindowSeconds'
> &
  Partial<Pick<XapiPoolRecord, 'guestSecretId' | 'hostSshSecretId' | 'freezeWindowSeconds'>>;

/** The guest hook's and host flush's settings: the two accounts and the freeze window. */
export type XapiPoolSshAccounts = Pick<
  XapiPoolRecord,
  'guestSecretId' | 'hostSshSecretId' | 'freezeWindowSeconds'
>;

export interface XapiPoolStore {
  /**
   * Refuses a name another pool has in any case (the unique name key: two saves at once cannot both
   * win) with the CONFLICT DomainError naming it; nothing is written then.
   */
  insert(pool: NewXapiPool): Promise<XapiPoolRecord>;
  get(id: string): Promise<XapiPoolRecord | null>;
  findByName(name: string): Promise<XapiPoolRecord | null>;
  /** Every pool, by name. */
  list(): Promise<XapiPoolRecord[]>;
  /** Pins an endpoint's fingerprint whatever waits (first use: nothing pinned yet); clears its refusal. */
  pin(id: string, endpoint: string, fingerprint: string): Promise<void>;
  /**
   * An admin's accept: pins `fingerprint` for the endpoint and clears its refusal only while it is
   * the one waiting there (compare-and-set, so a refusal that replaced it since is never pinned
   * unseen); false when another fingerprint or none is waiting, and nothing was written.
   */
  pinIfWaiting(id: string, endpoint: string, fingerprint: string): Promise<boolean>;
  /**
   * Remembers a fingerprint that did not match the endpoint's pin; the pinned one itself is never
   * recorded as waiting (a test or sync in flight while an admin accepted it would otherwise list it again).
   */
  refuse(id: string, endpoint: string, fingerprint: string): Promise<void>;
  /**
   * A discovery ended: at `at`, with `error` (null when it succeeded, then `hostIds` are the
   * hosts it saw, kept as they were when it is not given).
   */
  recordSync(id: string, at: Date, error: string | null, hostIds?: string[]): Promise<void>;
  /**
   * Replaces the guest hook's and host flush's accounts (null: none) and the freeze window (null:
   * the default); the updated record, or null
   * when the pool does not exist. Pins, syncs and the task journal are left as they are.
   */
  setSshAccounts(id: string, accounts: XapiPoolSshAccounts): Promise<XapiPoolRecord | null>;
  /** Deletes the pool and its task journal; false when it did not exist. */
  delete(id: string): Promise<boolean>;

  findTask(poolId: string, key: string): Promise<string | null>;
  recordTask(poolId: string, key: string, taskRef: string, at: Date): Promise<void>;
  forgetTask(poolId: string, key: string): Promise<void>;
}
