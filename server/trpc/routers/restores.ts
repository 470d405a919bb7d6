import { approvalKindOfRestore } from '../../engine/approvals';
import { isCopyBackInPlace, minimumRoleForRestore } from '../../engine/roles';
import { restoreRequestInput } from '../../schemas/operations';
import { startRestoreInput } from '../../schemas/wizard';
import { runOrRequestApproval } from '../../services/approval-service';
import { previewRestore, startReviewedRestore } from '../../services/operations-service';
import { assertRole, operatorProcedure, router, viewerProcedure } from '../init';

/**
 * The restore wizard: the blast radius before anything runs (with the plan's fingerprint), then the
 * run of that plan (typed confirmation checked by the plan; refused if the estate changed since).
 * An operator may restore as a new VM or to a staging VM; a restore that overwrites what exists
 * (in place, snapshot revert, volume revert, a staged copy back in place) needs a restore operator, and becomes a four-eyes
 * request for a second admin unless an admin turned approval off for that mode.
 */
export const restoresRouter = router({
  preview: viewerProcedure
    .input(restoreRequestInput)
    .query(({ ctx, input }) => previewRestore(ctx.stores, ctx.service, input)),
  start: operatorProcedure.input(startRestoreInput).mutation(({ ctx, input }) => {
    const { request } = input;
    const what = isCopyBackInPlace(request) ? 'A staged copy back in place' : `A ${request.mode} restore`;
    assertRole(ctx.principal, minimumRoleForRestore(request), what);
    const kind = approvalKindOfRestore(request);
    const direct = () => startReviewedRestore(ctx.stores, ctx.service, input);
    return kind ? runOrRequestApproval(ctx, kind, input, direct) : direct();
  }),
});
