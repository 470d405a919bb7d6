/**
 * The row of a new secret, in both dialects: its metadata, the sealed value's fields, and when it
 * last changed (its creation), and its name's key (server/engine/name-keys.ts).
 */
import { nameKeyOf } from '../../server/engine/name-keys';
import type { NewSecret } from './ports/secret-store';

export function newSecretRow(secret: NewSecret) {
  const { sealed, ...metadata } = secret;
  return {
    ...metadata,
    nameKey: nameKeyOf(secret.name),
    ciphertext: sealed.ciphertext,
    iv: sealed.iv,
    authTag: sealed.authTag,
    keyId: sealed.keyId,
    updatedAt: secret.createdAt,
    updatedBy: secret.createdBy,
  };
}
