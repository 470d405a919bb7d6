/**
 * Security records: the connectors' credentials (vault) and the audit trail.
 *
 * A secret's value is never stored in clear: `ciphertext`, `iv` and `auth_tag` are the AES-256-GCM
 * output (base64) under the vault key whose fingerprint is `key_id`, with the secret's id as
 * associated data (server/services/vault-crypto.ts). Everything else is metadata an operator may see.
 */
import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import type { SecretKind } from '../server/engine/security';

export const secrets = sqliteTable(
  'secrets',
  {
    id: text('id').primaryKey(),
    /** The operator's name for the credential ("xen-pool-a root"); unique. */
    name: text('name').notNull().unique(),
    kind: text('kind').$type<SecretKind>().notNull(),
    /** The account the secret belongs to, when it has one (not secret). */
    username: text('username'),
    ciphertext: text('ciphertext').notNull(),
    iv: text('iv').notNull(),
    authTag: text('auth_tag').notNull(),
    /** Fingerprint of the vault key that sealed the value (never the key itself). */
    keyId: text('key_id').notNull(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    createdBy: text('created_by').notNull(),
    updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
    updatedBy: text('updated_by').notNull(),
    /** When a driver last read the value. */
    lastUsedAt: integer('last_used_at', { mode: 'timestamp_ms' }),
  },
  (t) => [index('secrets_key_idx').on(t.keyId)],
);
