import { idInput, vmListQueryInput } from '../../schemas/inventory-queries';
import { getMethodPlan, getVm, listVms } from '../../services/inventory/vms';
import { publicProcedure, router } from '../init';

export const vmsRouter = router({
  list: publicProcedure.input(vmListQueryInput).query(({ ctx, input }) => listVms(ctx.stores, input)),
  get: publicProcedure.input(idInput).query(({ ctx, input }) => getVm(ctx.stores, input.id)),
  plan: publicProcedure.input(idInput).query(({ ctx, input }) => getMethodPlan(ctx.stores, input.id)),
});
