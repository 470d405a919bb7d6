/**
 * Security records on PostgreSQL: the same tables, exported names and row types as
 * db/schema-security.ts (checked by ./schema-equality.ts). See that file for what each column holds.
 */
import { index, integer, json, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';
import type { AuditObject } from '../../server/engine/audit-chain';
import type { AuditOutcome, SecretKind } from '../../server/engine/security';

/** Millisecond timestamps with a time zone, read as Date (the SQLite schema's `timestamp_ms`). */
const TIME = { withTimezone: true, mode: 'date', precision: 3 } as const;

export const secrets = pgTable(
  'secrets',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    /** nameKeyOf(name) (server/engine/name-keys.ts): unique, so names differing only in case clash. */
    nameKey: text('name_key').unique(),
    kind: text('kind').$type<SecretKind>().notNull(),
    username: text('username'),
    ciphertext: text('ciphertext').notNull(),
    iv: text('iv').notNull(),
    authTag: text('auth_tag').notNull(),
    keyId: text('key_id').notNull(),
    createdAt: timestamp('created_at', TIME).notNull(),
    createdBy: text('created_by').notNull(),
    updatedAt: timestamp('updated_at', TIME).notNull(),
    updatedBy: text('updated_by').notNull(),
    lastUsedAt: timestamp('last_used_at', TIME),
  },
  (t) => [index('secrets_key_idx').on(t.keyId)],
);

export const secretEndpoints = pgTable(
  'secret_endpoints',
  {
    secretId: text('secret_id')
      .notNull()
      .references(() => secrets.id, { onDelete: 'cascade' }),
    endpoint: text('endpoint').notNull(),
    boundAt: timestamp('bound_at', TIME).notNull(),
    boundBy: text('bound_by').notNull(),
  },
  (t) => [primaryKey({ columns: [t.secretId, t.endpoint] })],
);

export const vaultRetiredKeys = pgTable('vault_retired_keys', {
  keyId: text('key_id').primaryKey(),
  replacedBy: text('replaced_by').notNull(),
  retiredAt: timestamp('retired_at', TIME).notNull(),
});

export const auditEntries = pgTable(
  'audit_entries',
  {
    id: text('id').primaryKey(),
    seq: integer('seq').notNull().unique(),
    at: timestamp('at', TIME).notNull(),
    actorLabel: text('actor_label').notNull(),
    actorName: text('actor_name').notNull(),
    actorRole: text('actor_role'),
    action: text('action').notNull(),
    objectsJson: json('objects_json').$type<AuditObject[]>().notNull(),
    inputJson: json('input_json').$type<unknown>(),
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
