/**
 * Hyper-V host connections on PostgreSQL: the same table, exported names and row types as
 * db/schema-hyperv.ts (checked by ./schema-equality.ts). See that file for what each column holds.
 */
import { index, integer, json, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import type { RefusedNodeKey } from '../schema-hyperv';

const TIME = { withTimezone: true, mode: 'date', precision: 3 } as const;

export const hypervConnections = pgTable('hyperv_connections', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  /** nameKeyOf(name) (server/engine/name-keys.ts): unique, so names differing only in case clash. */
  nameKey: text('name_key').unique(),
  address: text('address').notNull(),
  port: integer('port').notNull(),
  secretId: text('secret_id').notNull(),
  guestSecretId: text('guest_secret_id'),
  wsbBackupTarget: text('wsb_backup_target'),
  hostId: text('host_id'),
  hostKey: text('host_key'),
  refusedHostKey: text('refused_host_key'),
  createdAt: timestamp('created_at', TIME).notNull(),
  createdBy: text('created_by').notNull(),
  lastSyncAt: timestamp('last_sync_at', TIME),
  lastError: text('last_error'),
  clusterName: text('cluster_name'),
  nodeHostIds: json('node_host_ids').$type<string[]>().notNull().default([]),
  nodeHostKeys: json('node_host_keys').$type<Record<string, string>>().notNull().default({}),
  refusedNodeHostKeys: json('refused_node_host_keys')
    .$type<Record<string, RefusedNodeKey>>()
    .notNull()
    .default({}),
});

export const connectionSyncs = pgTable(
  'connection_syncs',
  {
    id: text('id').primaryKey(),
    connector: text('connector').notNull(),
    connectionId: text('connection_id').notNull(),
    startedAt: timestamp('started_at', TIME).notNull(),
    finishedAt: timestamp('finished_at', TIME).notNull(),
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
