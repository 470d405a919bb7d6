import { findingsQueryInput } from '../../schemas/inventory-queries';
import { listFindings } from '../../services/inventory/findings';
import { publicProcedure, router } from '../init';

export const findingsRouter = router({
  list: publicProcedure.input(findingsQueryInput).query(({ ctx, input }) => listFindings(ctx.stores, input)),
});
