import { idInput, vmCountQueryInput, vmListQueryInput } from '../../schemas/inventory-queries';
import { countVms, getMethodPlan, getVm, listVms } from '../../services/inventory/vms';
import { router, viewerProcedure } from '../init';

export const vmsRouter = router({
  list: viewerProcedure
    .input(vmListQueryInput)
    .query(({ ctx, input }) => listVms(ctx.stores, ctx.service, input)),
  count: viewerProcedure
    .input(vmCountQueryInput)
    .query(({ ctx, input }) => countVms(ctx.stores, ctx.service, input)),
  get: viewerProcedure.input(idInput).query(({ ctx, input }) => getVm(ctx.stores, ctx.service, input.id)),
  plan: viewerProcedure.input(idInput).query(({ ctx, input }) => getMethodPlan(ctx.stores, input.id)),
});
