/** Inputs of the approvals page: the list, a decision with its comment, and the per-kind policy. */
import { z } from 'zod';
import { APPROVAL_KINDS, APPROVAL_STATUSES } from '../engine/approvals';

const requestId = z.string().trim().min(1).max(200);
const comment = z.string().trim().max(1000, 'The comment is longer than 1,000 characters');

export const approvalIdInput = z.object({ id: requestId });

export const approvalListInput = z.object({
  status: z
    .enum(APPROVAL_STATUSES, { error: `The status is one of: ${APPROVAL_STATUSES.join(', ')}` })
    .optional(),
  limit: z.int().min(1).max(100).default(50),
  cursor: z.string().min(1).max(1000).nullish(),
});

export const approveInput = z.object({ id: requestId, comment: comment.optional() });

export const rejectInput = z.object({
  id: requestId,
  comment: comment.min(1, 'Say why you reject it: the requester reads it'),
});
export type RejectInput = z.input<typeof rejectInput>;

export const approvalPolicyInput = z
  .object({
    kind: z.enum(APPROVAL_KINDS, { error: `The action is one of: ${APPROVAL_KINDS.join(', ')}` }),
    required: z.boolean(),
    reason: z.string().trim().max(500, 'The reason is longer than 500 characters').optional(),
  })
  .refine((input) => input.required || (input.reason?.length ?? 0) > 0, {
    path: ['reason'],
    message: 'Say why four-eyes approval is turned off: it is recorded with your name',
  });
export type ApprovalPolicyInput = z.input<typeof approvalPolicyInput>;
