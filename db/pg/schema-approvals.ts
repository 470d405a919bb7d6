/**
 * Four-eyes approval on PostgreSQL: the same tables, exported names and row types as
 * db/schema-approvals.ts (checked by ./schema-equality.ts). See that file for what each column holds.
 */
import { boolean, index, json, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import type { ApprovalKind, ApprovalStatus } from '../../server/engine/approvals';

const TIME = { withTimezone: true, mode: 'date', precision: 3 } as const;

export const approvalRequests = pgTable(
  'approval_requests',
  {
    id: text('id').primaryKey(),
    kind: text('kind').$type<ApprovalKind>().notNull(),
    status: text('status').$type<ApprovalStatus>().notNull(),
    title: text('title').notNull(),
    payloadJson: json('payload_json').$type<Record<string, unknown>>().notNull(),
    previewJson: json('preview_json').$type<Record<string, unknown>>().notNull(),
    fingerprint: text('fingerprint').notNull(),
    requestedBy: text('requested_by').notNull(),
    requestedByName: text('requested_by_name').notNull(),
    requestedByRole: text('requested_by_role'),
    requestedAt: timestamp('requested_at', TIME).notNull(),
    expiresAt: timestamp('expires_at', TIME).notNull(),
    decidedBy: text('decided_by'),
    decidedByName: text('decided_by_name'),
    decidedAt: timestamp('decided_at', TIME),
    comment: text('comment'),
    resultJson: json('result_json').$type<Record<string, unknown>>(),
    error: text('error'),
  },
  (t) => [
    index('approval_requests_status_requested_idx').on(t.status, t.requestedAt, t.id),
    index('approval_requests_requested_idx').on(t.requestedAt, t.id),
  ],
);

export const approvalPolicies = pgTable('approval_policies', {
  kind: text('kind').$type<ApprovalKind>().primaryKey(),
  required: boolean('required').notNull(),
  reason: text('reason'),
  updatedAt: timestamp('updated_at', TIME).notNull(),
  updatedBy: text('updated_by').notNull(),
  updatedByName: text('updated_by_name').notNull(),
});
