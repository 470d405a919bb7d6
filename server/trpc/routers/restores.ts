import { restoreRequestSchema } from '../../schemas/operations';
import { previewRestore, startRestore } from '../../services/operations-service';
import { publicProcedure, router } from '../init';

/** The restore wizard: the blast radius before anything runs, then the run (typed confirmation checked by the plan). */
export const restoresRouter = router({
  preview: publicProcedure
    .input(restoreRequestSchema)
    .query(({ ctx, input }) => previewRestore(ctx.stores, ctx.service, input)),
  start: publicProcedure
    .input(restoreRequestSchema)
    .mutation(({ ctx, input }) => startRestore(ctx.stores, ctx.service, input)),
});
