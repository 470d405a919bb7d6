import { idInput } from '../../schemas/inventory-queries';
import {
  browseRestorePoints,
  describePointDeletion,
  restorePointBrowseInputSchema,
} from '../../services/restore-point-browser-service';
import {
  deleteRestorePoint,
  getRestorePoint,
  verifyRestorePoint,
} from '../../services/restore-point-service';
import { publicProcedure, router } from '../init';

export const restorePointsRouter = router({
  list: publicProcedure
    .input(restorePointBrowseInputSchema)
    .query(({ ctx, input }) => browseRestorePoints(ctx.stores, input)),
  get: publicProcedure.input(idInput).query(async ({ ctx, input }) => ({
    ...(await getRestorePoint(ctx.stores, input.id)),
    deletion: await describePointDeletion(ctx.stores, input.id),
  })),
  verify: publicProcedure
    .input(idInput)
    .mutation(({ ctx, input }) => verifyRestorePoint(ctx.stores, ctx.service, input.id)),
  delete: publicProcedure.input(idInput).mutation(async ({ ctx, input }) => {
    const impact = await describePointDeletion(ctx.stores, input.id);
    await deleteRestorePoint(ctx.stores, ctx.service, input.id);
    return impact;
  }),
});
