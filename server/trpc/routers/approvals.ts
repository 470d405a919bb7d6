/** Four-eyes approval: pending and decided requests, their decisions, and the per-kind policy. */
import {
  approvalIdInput,
  approvalListInput,
  approvalPolicyInput,
  approveInput,
  rejectInput,
} from '../../schemas/approvals';
import {
  approveRequest,
  countPendingApprovals,
  getApprovalRequest,
  listApprovalPolicies,
  listApprovalRequests,
  rejectRequest,
  setApprovalPolicy,
} from '../../services/approval-service';
import { adminProcedure, router, viewerProcedure } from '../init';

export const approvalsRouter = router({
  list: viewerProcedure
    .input(approvalListInput)
    .query(({ ctx, input }) => listApprovalRequests(ctx, { ...input, cursor: input.cursor ?? null })),
  get: viewerProcedure.input(approvalIdInput).query(({ ctx, input }) => getApprovalRequest(ctx, input.id)),
  pendingCount: viewerProcedure.query(({ ctx }) => countPendingApprovals(ctx)),
  policies: viewerProcedure.query(({ ctx }) => listApprovalPolicies(ctx)),
  approve: adminProcedure.input(approveInput).mutation(({ ctx, input }) => approveRequest(ctx, input)),
  reject: adminProcedure.input(rejectInput).mutation(({ ctx, input }) => rejectRequest(ctx, input)),
  setPolicy: adminProcedure
    .input(approvalPolicyInput)
    .mutation(({ ctx, input }) => setApprovalPolicy(ctx, input)),
});
