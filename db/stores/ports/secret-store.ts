/**
 * The vault's storage: sealed secrets and their metadata. The store never sees a key or a clear
 * value; sealing and opening happen in the vault service (server/services/vault-service.ts).
 *
 * Concurrency contract: `resealAll` rewrites every secret in ONE transaction — either all secrets
 * end up under the new key or none does (a `reseal` that throws rolls everything back) — and in
 * that transaction records the replaced key as retired. `insert` and `replaceValue` refuse a value
 * sealed under a retired key, checked in the write's own transaction: a write that arrives while a
 * rotation runs waits for it (one writer at a time on SQLite; on PostgreSQL the rotation holds an
 * exclusive lock that every write takes shared) and is then refused, never stored under a key that
 * is about to be gone.
 */
import type { SecretKind } from '../../../server/engine/security';

/** What an operator may see of a secret. */
export interface SecretMetadata {
  id: string;
  name: string;
  kind: SecretKind;
  username: string | null;
  keyId: string;
  createdAt: Date;
  createdBy: string;
  updatedAt: Date;
  updatedBy: string;
  lastUsedAt: Date | null;
}

/** The AES-256-GCM output of one value (base64 fields) and the fingerprint of the key used. */
export interface SealedValue {
  ciphertext: string;
  iv: string;
  authTag: string;
  keyId: string;
}

export interface SecretRecord extends SecretMetadata {
  sealed: SealedValue;
}

export type NewSecret = Omit<SecretRecord, 'lastUsedAt' | 'updatedAt' | 'updatedBy' | 'keyId'>;

/** A vault key a rotation replaced (see the concurrency contract above). */
export interface RetiredKey {
  keyId: string;
  replacedBy: string;
  retiredAt: Date;
}

/** What a write of a sealed value did: stored, or refused and why (nothing written). */
export type SecretWrite =
  | { kind: 'stored'; secret: SecretMetadata }
  /** replaceValue: no secret has this id. */
  | { kind: 'not-found' }
  /** The value is sealed under a key a rotation replaced. */
  | { kind: 'retired-key'; retired: RetiredKey };

/** The key a rotation replaces, the one replacing it, and when; recorded by `resealAll`. */
export interface KeyChange {
  /** Null when the vault had no key yet: nothing to retire. */
  previousKeyId: string | null;
  nextKeyId: string;
  at: Date;
}

/** An endpoint a secret was saved with (server/engine/secret-binding.ts). */
export interface SecretEndpoint {
  secretId: string;
  /** `host:port`, lower-case host. */
  endpoint: string;
  boundAt: Date;
  boundBy: string;
}

export interface SecretStore {
  /**
   * Inserts a secret, unless its key is retired (then nothing is written). A name another secret has
   * in any case is refused with the CONFLICT DomainError naming it (the unique name key: two saves
   * at once cannot both win).
   */
  insert(secret: NewSecret): Promise<SecretWrite>;
  get(id: string): Promise<SecretRecord | null>;
  findByName(name: string): Promise<SecretRecord | null>;
  /** Every secret's metadata, by name. */
  list(): Promise<SecretMetadata[]>;
  /** Replaces one value (credential rotation), unless the secret does not exist or the key is retired. */
  replaceValue(id: string, sealed: SealedValue, at: Date, by: string): Promise<SecretWrite>;
  markUsed(id: string, at: Date): Promise<void>;
  /**
   * Binds the secret to an endpoint (kept until the secret is deleted, which takes its endpoints
   * with it). Binding an endpoint again keeps the first binding; a secret that does not exist
   * binds nothing.
   */
  bindEndpoint(binding: SecretEndpoint): Promise<void>;
  /** The endpoints the secrets were saved with, by secret then endpoint; only `secretIds`' when given. */
  listEndpoints(secretIds?: readonly string[]): Promise<SecretEndpoint[]>;
  /** Deletes a secret and its endpoints. */
  delete(id: string): Promise<boolean>;
  /**
   * Re-seals every secret in one transaction (key rotation): `reseal` gets each record and returns
   * its new sealed value; if it throws for any secret, nothing is changed. Returns how many were
   * re-sealed. `reseal` is synchronous so an embedded database can run it inside its transaction.
   * The value is unchanged, so `updatedAt`/`updatedBy` (when the value last changed) stay as they are.
   * `change.previousKeyId` is recorded as retired in the same transaction, before any secret is
   * read: a `reseal` that throws retires nothing.
   */
  resealAll(reseal: (secret: SecretRecord) => SealedValue, change: KeyChange): Promise<number>;
}
