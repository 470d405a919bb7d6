/**
 * Storage-array connections on PostgreSQL: the same tables, exported names and row types as
 * db/schema-arrays.ts (checked by ./schema-equality.ts). See that file for what each column holds.
 */
import { pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';
import type { ArrayConnectionVendor } from '../schema-arrays';

const TIME = { withTimezone: true, mode: 'date', precision: 3 } as const;

export const arrayConnections = pgTable('array_connections', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  /** nameKeyOf(name) (server/engine/name-keys.ts): unique, so names differing only in case clash. */
  nameKey: text('name_key').unique(),
  vendor: text('vendor').$type<ArrayConnectionVendor>().notNull(),
  address: text('address').notNull(),
  secretId: text('secret_id').notNull(),
  stagingTarget: text('staging_target'),
  arrayId: text('array_id'),
  fingerprint: text('fingerprint'),
  refusedFingerprint: text('refused_fingerprint'),
  createdAt: timestamp('created_at', TIME).notNull(),
  createdBy: text('created_by').notNull(),
  lastSyncAt: timestamp('last_sync_at', TIME),
  lastError: text('last_error'),
});

export const arrayJobs = pgTable(
  'array_jobs',
  {
    connectionId: text('connection_id')
      .notNull()
      .references(() => arrayConnections.id, { onDelete: 'cascade' }),
    key: text('key').notNull(),
    jobUuid: text('job_uuid').notNull(),
    startedAt: timestamp('started_at', TIME).notNull(),
  },
  (t) => [primaryKey({ columns: [t.connectionId, t.key] })],
);
