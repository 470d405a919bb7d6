/**
 * Sealing and opening one secret value: AES-256-GCM (node:crypto), a fresh random 96-bit IV per
 * seal, the 128-bit authentication tag stored beside the ciphertext, and the secret's id as
 * associated data — so a ciphertext copied onto another secret's row fails authentication instead
 * of decrypting as that secret.
 *
 * A key is known by its fingerprint (`keyId`: HMAC-SHA256 of a fixed label under the key, first 16
 * hex digits), stored on every sealed value. A wrong key is then reported as a wrong key, not as a
 * tampered secret; the fingerprint reveals nothing usable about a 256-bit random key.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import type { SealedValue } from '../../db/stores/ports/secret-store';
import { DomainError } from './errors';

export const VAULT_KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const ALGORITHM = 'aes-256-gcm';

export interface VaultKey {
  /** Fingerprint stored with every value sealed under this key. */
  id: string;
  bytes: Buffer;
}

export function vaultKeyOf(bytes: Buffer): VaultKey {
  if (bytes.length !== VAULT_KEY_BYTES) {
    throw new Error(`A vault key is ${VAULT_KEY_BYTES} bytes; this one has ${bytes.length}`);
  }
  return {
    id: createHmac('sha256', bytes).update('migawka vault key id v1').digest('hex').slice(0, 16),
    bytes,
  };
}

export function generateVaultKey(): VaultKey {
  return vaultKeyOf(randomBytes(VAULT_KEY_BYTES));
}

function associatedData(secretId: string): Buffer {
  return Buffer.from(`migawka secret v1:${secretId}`, 'utf8');
}

export function sealValue(key: VaultKey, secretId: string, value: string): SealedValue {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(ALGORITHM, key.bytes, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(associatedData(secretId));
  const ciphertext = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
  return {
    ciphertext: ciphertext.toString('base64'),
    iv: iv.toString('base64'),
    authTag: cipher.getAuthTag().toString('base64'),
    keyId: key.id,
  };
}

/** Why a sealed value could not be opened; the message names the secret, never its value. */
export class VaultError extends DomainError {
  constructor(
    readonly reason: 'wrong-key' | 'tampered',
    message: string,
  ) {
    super('PRECONDITION_FAILED', message);
    this.name = 'VaultError';
  }
}

/**
 * Opens a sealed value. Refuses a value sealed under another key (`wrong-key`) and one whose
 * ciphertext, IV, tag or owner changed (`tampered`: GCM authentication failed).
 */
export function openValue(key: VaultKey, secret: { id: string; name: string; sealed: SealedValue }): string {
  const { sealed } = secret;
  if (sealed.keyId !== key.id) {
    throw new VaultError(
      'wrong-key',
      `Secret "${secret.name}" was sealed under vault key ${sealed.keyId}, but the configured key is ${key.id}: set MIGAWKA_SECRET_KEY (or the key file) to the key the secrets were stored with.`,
    );
  }
  const iv = Buffer.from(sealed.iv, 'base64');
  const tag = Buffer.from(sealed.authTag, 'base64');
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw tampered(secret.name);
  try {
    const decipher = createDecipheriv(ALGORITHM, key.bytes, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(associatedData(secret.id));
    decipher.setAuthTag(tag);
    return Buffer.concat([
      decipher.update(Buffer.from(sealed.ciphertext, 'base64')),
      decipher.final(),
    ]).toString('utf8');
  } catch {
    throw tampered(secret.name);
  }
}

function tampered(name: string): VaultError {
  return new VaultError(
    'tampered',
    `Secret "${name}" failed its integrity check (its stored ciphertext was altered or belongs to another secret); it was not used. Store it again.`,
  );
}
