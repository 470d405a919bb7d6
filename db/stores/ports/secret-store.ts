/**
 * The vault's storage: sealed secrets and their metadata. The store never sees a key or a clear
 * value; sealing and opening happen in the vault service (server/services/vault-service.ts).
 *
 * Concurrency contract: `resealAll` rewrites every secret in ONE transaction — either all secrets
 * end up under the new key or none does (a `reseal` that throws rolls everything back). A networked
 * implementation takes the rows `FOR UPDATE` so a secret added meanwhile waits for the rotation.
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

export interface SecretStore {
  /** Inserts a secret; null when the name is taken (nothing written). */
  insert(secret: NewSecret): Promise<SecretMetadata | null>;
  get(id: string): Promise<SecretRecord | null>;
  findByName(name: string): Promise<SecretRecord | null>;
  /** Every secret's metadata, by name. */
  list(): Promise<SecretMetadata[]>;
  /** Replaces one value (credential rotation); null when the secret does not exist. */
  replaceValue(id: string, sealed: SealedValue, at: Date, by: string): Promise<SecretMetadata | null>;
  markUsed(id: string, at: Date): Promise<void>;
  delete(id: string): Promise<boolean>;
  /**
   * Re-seals every secret in one transaction (key rotation): `reseal` gets each record and returns
   * its new sealed value; if it throws for any secret, nothing is changed. Returns how many were
   * re-sealed. `reseal` is synchronous so an embedded database can run it inside its transaction.
   * The value is unchanged, so `updatedAt`/`updatedBy` (when the value last changed) stay as they are.
   */
  resealAll(reseal: (secret: SecretRecord) => SealedValue): Promise<number>;
}
