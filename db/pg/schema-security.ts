/**
 * Security records on PostgreSQL: the same tables, exported names and row types as
 * db/schema-security.ts (checked by ./schema-equality.ts). See that file for what each column holds.
 */
import { index, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import type { SecretKind } from '../../server/engine/security';

/** Millisecond timestamps with a time zone, read as Date (the SQLite schema's `timestamp_ms`). */
const TIME = { withTimezone: true, mode: 'date', precision: 3 } as const;

export const secrets = pgTable(
  'secrets',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull().unique(),
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
