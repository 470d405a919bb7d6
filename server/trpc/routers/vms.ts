import { idInput, vmListInput } from '../../schemas/inventory-queries';
import { getMethodPlan, getVm, listVms } from '../../services/inventory-service';
import { publicProcedure, router } from '../init';

export const vmsRouter = router({
  list: publicProcedure.input(vmListInput).query(({ ctx, input }) => listVms(ctx.db, input)),
  get: publicProcedure.input(idInput).query(({ ctx, input }) => getVm(ctx.db, input.id)),
  plan: publicProcedure.input(idInput).query(({ ctx, input }) => getMethodPlan(ctx.db, input.id)),
});
