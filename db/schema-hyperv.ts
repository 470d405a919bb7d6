/**
 * Hyper-V host connections (server/drivers/hyperv): one row per Windows host an admin connected.
 *
 * - `host_key`: the SSH host-key fingerprint pinned on first use; `refused_host_key`: a different
 *   one the host presented, kept until an admin accepts it (then it becomes the pin).
 * - The host account and the guest account (PowerShell Direct) are vault secrets
 *   (db/schema-security.ts): no credential is stored here.
 */
import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** A cluster node's host key that did not match its pin: which node, and the key it presented. */
export interface RefusedNodeKey {
  node: string;
  fingerprint: string;
}

export const hypervConnections = sqliteTable('hyperv_connections', {
  id: text('id').primaryKey(),
  /** The operator's name for the host; unique. */
  name: text('name').notNull(),
  /** nameKeyOf(name) (server/engine/name-keys.ts): unique, so names differing only in case clash. */
  nameKey: text('name_key').unique(),
  address: text('address').notNull(),
  port: integer('port').notNull(),
  secretId: text('secret_id').notNull(),
  guestSecretId: text('guest_secret_id'),
  /** Where Windows Server Backup writes on this host (`E:`, `\\\\server\\share`); null = WSB is not used. */
  wsbBackupTarget: text('wsb_backup_target'),
  /** Inventory id of the host (`hv-host:<computer>`) as the last sync saw it; null before. */
  hostId: text('host_id'),
  hostKey: text('host_key'),
  refusedHostKey: text('refused_host_key'),
  createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  createdBy: text('created_by').notNull(),
  /** When a sync last completed, and the last failure (null once a sync succeeds). */
  lastSyncAt: integer('last_sync_at', { mode: 'timestamp_ms' }),
  lastError: text('last_error'),
  /**
   * A failover cluster connection (server/drivers/hyperv/hyperv-cluster.ts): the cluster its last
   * sync found the connected node in (null: a stand-alone host), the inventory ids of every node
   * that sync read (`hv-host:<node>`; the connected node's is also `host_id`), and the SSH host-key
   * pin of each other node, by endpoint (trust on first use, like `host_key`), and a different key a
   * node presented, by endpoint with the node's name, kept until an admin accepts it (like
   * `refused_host_key`).
   */
  clusterName: text('cluster_name'),
  nodeHostIds: text('node_host_ids', { mode: 'json' }).$type<string[]>().notNull().default([]),
  nodeHostKeys: text('node_host_keys', { mode: 'json' })
    .$type<Record<string, string>>()
    .notNull()
    .default({}),
  refusedNodeHostKeys: text('refused_node_host_keys', { mode: 'json' })
    .$type<Record<string, RefusedNodeKey>>()
    .notNull()
    .default({}),
});

/**
 * One row per sync of a connection (Hyper-V host, XenServer pool): when it ran, how it ended and
 * what it changed, shown as the connection's "last syncs". `connector` says which table
 * `connection_id` names; rows go with their connection. Outcome: `succeeded`,
 * `succeeded-with-warnings` (facts stayed unknown: `warnings` says which, in words) or `failed`
 * (`error` in words; the counts are zero).
 */
export const connectionSyncs = sqliteTable(
  'connection_syncs',
  {
    id: text('id').primaryKey(),
    connector: text('connector').notNull(),
    connectionId: text('connection_id').notNull(),
    startedAt: integer('started_at', { mode: 'timestamp_ms' }).notNull(),
    finishedAt: integer('finished_at', { mode: 'timestamp_ms' }).notNull(),
    outcome: text('outcome').notNull(),
    added: integer('added').notNull(),
    changed: integer('changed').notNull(),
    gone: integer('gone').notNull(),
    unknownFacts: integer('unknown_facts').notNull(),
    warnings: text('warnings'),
    error: text('error'),
  },
  (table) => [index('connection_syncs_by_connection').on(table.connectionId, table.startedAt, table.id)],
);
