/**
 * Storage-array connections (server/drivers/ontap, server/drivers/equallogic): one row per array an
 * admin connected, and the array jobs the connector is waiting on.
 *
 * - `vendor`: which connector talks to it ('ontap' over REST, 'equallogic' over the SSH CLI).
 * - `fingerprint`: the TLS certificate (ONTAP) or SSH host key (EqualLogic) pinned on first use;
 *   `refused_fingerprint`: a different one the array presented, kept until an admin accepts it.
 * - `staging_target`: where staged restores are presented (the ONTAP igroup of the staging host).
 * - The account is a vault secret (`secret_id`, db/schema-security.ts): no credential is stored here.
 * - `array_jobs`: an ONTAP job's uuid, written before the connector waits on it, so a worker that
 *   restarts polls the same job (or, once ONTAP forgot it, looks for its result by name).
 */
import { integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';

export type ArrayConnectionVendor = 'ontap' | 'equallogic';

export const arrayConnections = sqliteTable('array_connections', {
  id: text('id').primaryKey(),
  /** The operator's name for the array; unique. */
  name: text('name').notNull(),
  /** nameKeyOf(name) (server/engine/name-keys.ts): unique, so names differing only in case clash. */
  nameKey: text('name_key').unique(),
  vendor: text('vendor').$type<ArrayConnectionVendor>().notNull(),
  /** Management address, `host` or `host:port`. */
  address: text('address').notNull(),
  secretId: text('secret_id').notNull(),
  stagingTarget: text('staging_target'),
  /** Inventory id of the array as the last discovery wrote it; null before. */
  arrayId: text('array_id'),
  fingerprint: text('fingerprint'),
  refusedFingerprint: text('refused_fingerprint'),
  createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  createdBy: text('created_by').notNull(),
  lastSyncAt: integer('last_sync_at', { mode: 'timestamp_ms' }),
  lastError: text('last_error'),
});

export const arrayJobs = sqliteTable(
  'array_jobs',
  {
    connectionId: text('connection_id')
      .notNull()
      .references(() => arrayConnections.id, { onDelete: 'cascade' }),
    /** The step's stable key plus what the job does (`<step>:snapshot`). */
    key: text('key').notNull(),
    jobUuid: text('job_uuid').notNull(),
    startedAt: integer('started_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.connectionId, t.key] })],
);
