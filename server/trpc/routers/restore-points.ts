import { idInput } from '../../schemas/inventory-queries';
import { deletePointInput } from '../../schemas/restore-points';
import { runOrRequestApproval } from '../../services/approval-service';
import { assertPointDeleteConfirmed } from '../../services/point-delete-confirmation';
import {
  browseRestorePoints,
  describePointDeletion,
  restorePointBrowseQueryInput,
} from '../../services/restore-point-browser-service';
import { getRestorePoint, startPointDelete, startPointVerify } from '../../services/restore-point-service';
import { adminProcedure, operatorProcedure, router, viewerProcedure } from '../init';

export const restorePointsRouter = router({
  list: viewerProcedure
    .input(restorePointBrowseQueryInput)
    .query(({ ctx, input }) => browseRestorePoints(ctx.stores, input)),
  get: viewerProcedure.input(idInput).query(async ({ ctx, input }) => ({
    ...(await getRestorePoint(ctx.stores, input.id)),
    deletion: await describePointDeletion(ctx.stores, input.id),
  })),
  /** Queues a verify operation; the client follows it by its id. */
  verify: operatorProcedure
    .input(idInput)
    .mutation(({ ctx, input }) => startPointVerify(ctx.stores, ctx.service, input.id)),
  /**
   * Queues a delete operation (with what it leaves behind), or asks a second admin first
   * (four-eyes); confirmed by the point's VM and time typed (services/point-delete-confirmation.ts).
   */
  delete: adminProcedure.input(deletePointInput).mutation(async ({ ctx, input }) => {
    await assertPointDeleteConfirmed(ctx.stores, input);
    return runOrRequestApproval(ctx, 'delete-restore-point', { id: input.id }, () =>
      startPointDelete(ctx.stores, ctx.service, input.id),
    );
  }),
});
