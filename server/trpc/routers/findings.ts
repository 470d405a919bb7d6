import { findingsInput } from '../../schemas/inventory-queries';
import { listFindings } from '../../services/inventory/findings';
import { publicProcedure, router } from '../init';

export const findingsRouter = router({
  list: publicProcedure.input(findingsInput).query(({ ctx, input }) => listFindings(ctx.stores, input)),
});
