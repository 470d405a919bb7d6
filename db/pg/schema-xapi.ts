/**
 * XAPI pool connections on PostgreSQL: the same tables, exported names and row types as
 * db/schema-xapi.ts (checked by ./schema-equality.ts). See that file for what each column holds.
 */
import { integer, json, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

const TIME = { withTimezone: true, mode: 'date', precision: 3 } as const;

export const xapiPools = pgTable('xapi_pools', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  /** nameKeyOf(name) (server/engine/name-keys.ts): unique, so names differing only in case clash. */
  nameKey: text('name_key').unique(),
  address: text('address').notNull(),
  secretId: text('secret_id').notNull(),
  guestSecretId: text('guest_secret_id'),
  hostSshSecretId: text('host_ssh_secret_id'),
  /** How long a frozen guest waits for the thaw before its own shell thaws it; null: 15 min. */
  freezeWindowSeconds: integer('freeze_window_seconds'),
  pins: json('pins').$type<Record<string, string>>().notNull(),
  refused: json('refused').$type<Record<string, string>>().notNull(),
  createdAt: timestamp('created_at', TIME).notNull(),
  createdBy: text('created_by').notNull(),
  lastSyncAt: timestamp('last_sync_at', TIME),
  lastError: text('last_error'),
  hostIds: json('host_ids').$type<string[]>().notNull().default([]),
});

export const xapiTasks = pgTable(
  'xapi_tasks',
  {
    poolId: text('pool_id')
      .notNull()
      .references(() => xapiPools.id, { onDelete: 'cascade' }),
    key: text('key').notNull(),
    taskRef: text('task_ref').notNull(),
    recordedAt: timestamp('recorded_at', TIME).notNull(),
  },
  (t) => [primaryKey({ columns: [t.poolId, t.key] })],
);
