/**
 * Four-eyes approval (server/engine/approvals.ts): destructive actions waiting for, or decided by,
 * a second admin, and the per-kind setting that turns the requirement off.
 *
 * A request keeps what the requester reviewed: `payload_json` is the action's input exactly as it
 * will run, `preview_json` the blast radius they were shown (what the approver is shown too) and
 * `fingerprint` what the estate was then; the approved action runs only if the estate still gives
 * that fingerprint.
 */
import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import type { ApprovalKind, ApprovalStatus } from '../server/engine/approvals';

export const approvalRequests = sqliteTable(
  'approval_requests',
  {
    id: text('id').primaryKey(),
    kind: text('kind').$type<ApprovalKind>().notNull(),
    status: text('status').$type<ApprovalStatus>().notNull(),
    /** What would run, in words ("Volume revert of D: on branch-hv-01 to the … point of branch-app-01"). */
    title: text('title').notNull(),
    payloadJson: text('payload_json', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    previewJson: text('preview_json', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    fingerprint: text('fingerprint').notNull(),
    /** actorLabel() of the requester, their name and role then. */
    requestedBy: text('requested_by').notNull(),
    requestedByName: text('requested_by_name').notNull(),
    requestedByRole: text('requested_by_role'),
    requestedAt: integer('requested_at', { mode: 'timestamp_ms' }).notNull(),
    expiresAt: integer('expires_at', { mode: 'timestamp_ms' }).notNull(),
    decidedBy: text('decided_by'),
    decidedByName: text('decided_by_name'),
    decidedAt: integer('decided_at', { mode: 'timestamp_ms' }),
    comment: text('comment'),
    /** What the approved action started ({ operationId } …), or why it was refused when it ran. */
    resultJson: text('result_json', { mode: 'json' }).$type<Record<string, unknown>>(),
    error: text('error'),
  },
  (t) => [
    index('approval_requests_status_requested_idx').on(t.status, t.requestedAt, t.id),
    index('approval_requests_requested_idx').on(t.requestedAt, t.id),
  ],
);

/** One row per kind an admin changed; a kind without a row needs approval. */
export const approvalPolicies = sqliteTable('approval_policies', {
  kind: text('kind').$type<ApprovalKind>().primaryKey(),
  required: integer('required', { mode: 'boolean' }).notNull(),
  reason: text('reason'),
  updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
  updatedBy: text('updated_by').notNull(),
  updatedByName: text('updated_by_name').notNull(),
});
