import { restoreRequestInput } from '../../schemas/operations';
import { startRestoreInput } from '../../schemas/wizard';
import { previewRestore, startReviewedRestore } from '../../services/operations-service';
import { publicProcedure, router } from '../init';

/**
 * The restore wizard: the blast radius before anything runs (with the plan's fingerprint), then the
 * run of that plan (typed confirmation checked by the plan; refused if the estate changed since).
 */
export const restoresRouter = router({
  preview: publicProcedure
    .input(restoreRequestInput)
    .query(({ ctx, input }) => previewRestore(ctx.stores, ctx.service, input)),
  start: publicProcedure
    .input(startRestoreInput)
    .mutation(({ ctx, input }) => startReviewedRestore(ctx.stores, ctx.service, input)),
});
