/**
 * XAPI pool connections (server/drivers/xapi): one row per pool an admin connected, and the tasks
 * the connector is waiting on.
 *
 * - `pins`: the SHA-256 fingerprint pinned per host endpoint (trust on first use); `refused`: a
 *   different fingerprint a host presented, kept until an admin accepts it (then it becomes the pin).
 * - The account is a vault secret (`secret_id`, db/schema-security.ts): no credential is stored here.
 * - `xapi_tasks`: an `Async.*` task's ref, written before the connector waits on it, so a worker
 *   that restarts waits on the same task instead of starting a second one.
 */
import { integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';

export const xapiPools = sqliteTable('xapi_pools', {
  id: text('id').primaryKey(),
  /** The operator's name for the pool; unique. */
  name: text('name').notNull(),
  /** nameKeyOf(name) (server/engine/name-keys.ts): unique, so names differing only in case clash. */
  nameKey: text('name_key').unique(),
  /** Any host of the pool, `host` or `host:port`; the connector finds the master from it. */
  address: text('address').notNull(),
  secretId: text('secret_id').notNull(),
  /** Vault secret of the account the guest hook logs into Linux guests with; null when none. */
  guestSecretId: text('guest_secret_id'),
  /** Vault secret of dom0's SSH account (the host flush before an array snapshot); null when none. */
  hostSshSecretId: text('host_ssh_secret_id'),
  /** How long a frozen guest waits for the thaw before its own shell thaws it; null: 15 min. */
  freezeWindowSeconds: integer('freeze_window_seconds'),
  pins: text('pins', { mode: 'json' }).$type<Record<string, string>>().notNull(),
  refused: text('refused', { mode: 'json' }).$type<Record<string, string>>().notNull(),
  createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  createdBy: text('created_by').notNull(),
  /** When discovery last completed, and the last failure (null once a sync succeeds). */
  lastSyncAt: integer('last_sync_at', { mode: 'timestamp_ms' }),
  lastError: text('last_error'),
  /**
   * Inventory ids of the pool's hosts as its last successful sync saw them: disconnecting is
   * refused while an operation touches one, in any process (not only one watching the pool).
   */
  hostIds: text('host_ids', { mode: 'json' }).$type<string[]>().notNull().default([]),
});

export const xapiTasks = sqliteTable(
  'xapi_tasks',
  {
    poolId: text('pool_id')
      .notNull()
      .references(() => xapiPools.id, { onDelete: 'cascade' }),
    /** The engine's id of the work (`snapshot:<snapshotId>`), stable across retries. */
    key: text('key').notNull(),
    taskRef: text('task_ref').notNull(),
    recordedAt: integer('recorded_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.poolId, t.key] })],
);
