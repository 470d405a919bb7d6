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
    .query(({ ctx, input }) => browseRestorePoints(ctx.db, input)),
  get: publicProcedure.input(idInput).query(({ ctx, input }) => ({
    ...getRestorePoint(ctx.db, input.id),
    deletion: describePointDeletion(ctx.db, input.id),
  })),
  verify: publicProcedure.input(idInput).mutation(({ ctx, input }) => verifyRestorePoint(ctx.db, input.id)),
  delete: publicProcedure.input(idInput).mutation(async ({ ctx, input }) => {
    const impact = describePointDeletion(ctx.db, input.id);
    await deleteRestorePoint(ctx.db, input.id);
    return impact;
  }),
});
