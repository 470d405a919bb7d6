import { findingsQueryInput } from '../../schemas/inventory-queries';
import { listFindings } from '../../services/inventory/findings';
import { router, viewerProcedure } from '../init';

export const findingsRouter = router({
  list: viewerProcedure.input(findingsQueryInput).query(({ ctx, input }) => listFindings(ctx.stores, input)),
});
