/**
 * Storage-array connections (db/schema-arrays.ts): the arrays an admin connected, the certificate
 * or host-key fingerprint pinned for each, the outcome of the last discovery, and the journal of
 * array jobs a connector is waiting on.
 */
import type { ArrayConnectionVendor } from '../../schema-arrays';

export interface ArrayConnectionRecord {
  id: string;
  name: string;
  vendor: ArrayConnectionVendor;
  address: string;
  /** The vault secret with the array account. */
  secretId: string;
  /** ONTAP: the igroup staged clones are mapped to; null = staged restores are not offered. */
  stagingTarget: string | null;
  /** Inventory id of the array as the last discovery wrote it; null before. */
  arrayId: string | null;
  /** Pinned TLS (`AB:CD:…`) or SSH (`SHA256:…`) fingerprint; null until the first connection. */
  fingerprint: string | null;
  refusedFingerprint: string | null;
  createdAt: Date;
  createdBy: string;
  lastSyncAt: Date | null;
  lastError: string | null;
}

export type NewArrayConnection = Omit<
  ArrayConnectionRecord,
  'arrayId' | 'fingerprint' | 'refusedFingerprint' | 'lastSyncAt' | 'lastError'
>;

export interface ArrayJobRecord {
  jobUuid: string;
  startedAt: Date;
}

export interface ArrayConnectionStore {
  /**
   * Refuses a name another connection has in any case (the unique name key: two saves at once cannot both
   * win) with the CONFLICT DomainError naming it; nothing is written then.
   */
  insert(connection: NewArrayConnection): Promise<ArrayConnectionRecord>;
  get(id: string): Promise<ArrayConnectionRecord | null>;
  /** Every connection, by name. */
  list(): Promise<ArrayConnectionRecord[]>;
  /** Pins a fingerprint whatever waits (first use: nothing pinned yet) and clears the refusal. */
  pin(id: string, fingerprint: string): Promise<void>;
  /**
   * An admin's accept: pins `fingerprint` and clears the refusal only while it is the one waiting
   * (compare-and-set, so a refusal that replaced it since is never pinned unseen); false when
   * another fingerprint or none is waiting, and nothing was written.
   */
  pinIfWaiting(id: string, fingerprint: string): Promise<boolean>;
  /**
   * Remembers a fingerprint that did not match the pin; the pinned one itself is never recorded as
   * waiting (a request in flight while an admin accepted it would otherwise list it again).
   */
  refuse(id: string, fingerprint: string): Promise<void>;
  /** A discovery ended: at `at`, with `error` (null when it succeeded, then `arrayId` is what it wrote). */
  recordSync(id: string, at: Date, error: string | null, arrayId?: string): Promise<void>;
  findByArrayId(arrayId: string): Promise<ArrayConnectionRecord | null>;
  /** False when it did not exist; its job journal goes with it. */
  delete(id: string): Promise<boolean>;
  findJob(connectionId: string, key: string): Promise<ArrayJobRecord | null>;
  /** Records (or replaces) the job waited on under `key`. */
  recordJob(connectionId: string, key: string, job: ArrayJobRecord): Promise<void>;
  forgetJob(connectionId: string, key: string): Promise<void>;
}
