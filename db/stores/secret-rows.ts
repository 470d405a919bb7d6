/**
 * The row of a new secret, in both dialects: its metadata, the sealed value's fields, and when it
 * last changed (its creation).
 */
import type { NewSecret } from './ports/secret-store';

export function newSecretRow(secret: NewSecret) {
  const { sealed, ...metadata } = secret;
  return {
    ...metadata,
    ciphertext: sealed.ciphertext,
    iv: sealed.iv,
    authTag: sealed.authTag,
    keyId: sealed.keyId,
    updatedAt: secret.createdAt,
    updatedBy: secret.createdBy,
  };
}
