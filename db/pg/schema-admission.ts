/** Admission's keys and wake-ups on PostgreSQL: see db/schema-admission.ts. */
import { boolean, index, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';
import type { AdmissionKeyKind } from '../schema-admission';
import { operations } from './schema-operations';

const TIME = { withTimezone: true, mode: 'date', precision: 3 } as const;

export const admissionKeys = pgTable(
  'admission_keys',
  {
    operationId: text('operation_id')
      .notNull()
      .references(() => operations.id, { onDelete: 'cascade' }),
    kind: text('kind').$type<AdmissionKeyKind>().notNull(),
    ref: text('ref').notNull(),
    createdAt: timestamp('created_at', TIME).notNull(),
    isRunning: boolean('is_running').notNull().default(false),
  },
  (t) => [
    primaryKey({ columns: [t.operationId, t.kind, t.ref] }),
    index('admission_keys_ref_idx').on(t.kind, t.ref, t.isRunning, t.createdAt, t.operationId),
  ],
);

export const admissionWakeups = pgTable(
  'admission_wakeups',
  {
    operationId: text('operation_id')
      .primaryKey()
      .references(() => operations.id, { onDelete: 'cascade' }),
    createdAt: timestamp('created_at', TIME).notNull(),
  },
  (t) => [index('admission_wakeups_queue_idx').on(t.createdAt, t.operationId)],
);
