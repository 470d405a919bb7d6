/**
 * Security records: the connectors' credentials (vault) and the audit trail.
 *
 * A secret's value is never stored in clear: `ciphertext`, `iv` and `auth_tag` are the AES-256-GCM
 * output (base64) under the vault key whose fingerprint is `key_id`, with the secret's id as
 * associated data (server/services/vault-crypto.ts). Everything else is metadata an operator may see.
 */
import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import type { AuditObject } from '../server/engine/audit-chain';
import type { AuditOutcome, SecretKind } from '../server/engine/security';

export const secrets = sqliteTable(
  'secrets',
  {
    id: text('id').primaryKey(),
    /** The operator's name for the credential ("xen-pool-a root"); unique. */
    name: text('name').notNull(),
    /** nameKeyOf(name) (server/engine/name-keys.ts): unique, so names differing only in case clash. */
    nameKey: text('name_key').unique(),
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

/**
 * The endpoints (`host:port`, server/engine/secret-binding.ts) a secret was saved with: written when
 * a connection is saved with the secret (or with it typed again for a new endpoint), kept when the
 * connection is disconnected, gone with the secret. A stored secret is sent only to these and to
 * the endpoints of the saved connections that use it.
 */
export const secretEndpoints = sqliteTable(
  'secret_endpoints',
  {
    secretId: text('secret_id')
      .notNull()
      .references(() => secrets.id, { onDelete: 'cascade' }),
    endpoint: text('endpoint').notNull(),
    boundAt: integer('bound_at', { mode: 'timestamp_ms' }).notNull(),
    /** actorLabel() of who saved the connection ("system" for a migration's backfill). */
    boundBy: text('bound_by').notNull(),
  },
  (t) => [primaryKey({ columns: [t.secretId, t.endpoint] })],
);

/**
 * Vault keys a rotation replaced, one row each, written in the rotation's transaction. A value
 * sealed under one of them is refused on write (server/services/vault-service.ts): a process that
 * read the key just before a rotation, or one still configured with the old MIGAWKA_SECRET_KEY,
 * would otherwise store a secret that no process can open once the old key is gone.
 */
export const vaultRetiredKeys = sqliteTable('vault_retired_keys', {
  /** Fingerprint of the replaced key. */
  keyId: text('key_id').primaryKey(),
  /** Fingerprint of the key that replaced it. */
  replacedBy: text('replaced_by').notNull(),
  retiredAt: integer('retired_at', { mode: 'timestamp_ms' }).notNull(),
});

/**
 * The audit trail: append-only (triggers refuse UPDATE and DELETE), one row per mutation, sign-in,
 * approval or setting change. `seq` orders the chain; `hash` = sha256(`prev_hash` + canonical JSON of
 * the row's fields) (server/engine/audit-chain.ts), so an edit made around the triggers is found by
 * `migawka audit verify`. Every filter of the audit page ends in `seq`, the pager's order.
 */
export const auditEntries = sqliteTable(
  'audit_entries',
  {
    id: text('id').primaryKey(),
    seq: integer('seq').notNull().unique(),
    at: integer('at', { mode: 'timestamp_ms' }).notNull(),
    /** actorLabel() ("user:42", "system"), the name shown, and the role the actor had then. */
    actorLabel: text('actor_label').notNull(),
    actorName: text('actor_name').notNull(),
    actorRole: text('actor_role'),
    /** The procedure ("jobs.create") or event ("auth.sign-in"). */
    action: text('action').notNull(),
    objectsJson: text('objects_json', { mode: 'json' }).$type<AuditObject[]>().notNull(),
    /** The input with secret fields replaced by "[redacted]" and long texts summarised. */
    inputJson: text('input_json', { mode: 'json' }).$type<unknown>(),
    outcome: text('outcome').$type<AuditOutcome>().notNull(),
    message: text('message'),
    ip: text('ip'),
    userAgent: text('user_agent'),
    prevHash: text('prev_hash').notNull(),
    hash: text('hash').notNull(),
  },
  (t) => [
    index('audit_entries_actor_seq_idx').on(t.actorLabel, t.seq),
    index('audit_entries_action_seq_idx').on(t.action, t.seq),
    index('audit_entries_outcome_seq_idx').on(t.outcome, t.seq),
    index('audit_entries_at_idx').on(t.at),
  ],
);
