/**
 * What admission reads, kept beside the operations so that a claim never parses a plan nor walks
 * the whole queue (issue 13): one row per lock key, host and array of every active operation, and
 * the queue of operations admission must (re)examine.
 *
 * - `admission_keys`: written with the operation (enqueue), marked running when it is admitted,
 *   deleted when it finishes or is cancelled. Indexed by (kind, ref, is_running, queue order), so
 *   "who is first in line for VM x", "how many running operations touch host h" and "who waits on
 *   what this operation released" are index look-ups.
 * - `admission_wakeups`: the operations admission examines next, oldest first, a bounded batch per
 *   claim. An operation is put there when it is enqueued and again when something it may wait for
 *   is released (a finish, a cancel, a new worker); nothing else can let a waiting operation start.
 */
import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { operations } from './schema-operations';

/** 'lock': a lock key (plan-types' lockKeyFor*); 'host' / 'array': an id the limits count. */
export type AdmissionKeyKind = 'lock' | 'host' | 'array';

export const admissionKeys = sqliteTable(
  'admission_keys',
  {
    operationId: text('operation_id')
      .notNull()
      .references(() => operations.id, { onDelete: 'cascade' }),
    kind: text('kind').$type<AdmissionKeyKind>().notNull(),
    ref: text('ref').notNull(),
    /** The operation's place in the queue: its created_at (then its id). */
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    isRunning: integer('is_running', { mode: 'boolean' }).notNull().default(false),
  },
  (t) => [
    primaryKey({ columns: [t.operationId, t.kind, t.ref] }),
    index('admission_keys_ref_idx').on(t.kind, t.ref, t.isRunning, t.createdAt, t.operationId),
  ],
);

export const admissionWakeups = sqliteTable(
  'admission_wakeups',
  {
    operationId: text('operation_id')
      .primaryKey()
      .references(() => operations.id, { onDelete: 'cascade' }),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [index('admission_wakeups_queue_idx').on(t.createdAt, t.operationId)],
);
