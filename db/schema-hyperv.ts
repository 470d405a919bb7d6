/**
 * Hyper-V host connections (server/drivers/hyperv): one row per Windows host an admin connected.
 *
 * - `host_key`: the SSH host-key fingerprint pinned on first use; `refused_host_key`: a different
 *   one the host presented, kept until an admin accepts it (then it becomes the pin).
 * - The host account and the guest account (PowerShell Direct) are vault secrets
 *   (db/schema-security.ts): no credential is stored here.
 */
import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

export const hypervConnections = sqliteTable('hyperv_connections', {
  id: text('id').primaryKey(),
  /** The operator's name for the host; unique. */
  name: text('name').notNull().unique(),
  address: text('address').notNull(),
  port: integer('port').notNull(),
  secretId: text('secret_id').notNull(),
  guestSecretId: text('guest_secret_id'),
  /** Inventory id of the host (`hv-host:<computer>`) as the last sync saw it; null before. */
  hostId: text('host_id'),
  hostKey: text('host_key'),
  refusedHostKey: text('refused_host_key'),
  createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  createdBy: text('created_by').notNull(),
  /** When a sync last completed, and the last failure (null once a sync succeeds). */
  lastSyncAt: integer('last_sync_at', { mode: 'timestamp_ms' }),
  lastError: text('last_error'),
});
