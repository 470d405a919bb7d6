import { idInput, vmCountQueryInput, vmListQueryInput, vmNamesInput } from '../../schemas/inventory-queries';
import { countVms, getMethodPlan, getVm, listVms, namesOfVms } from '../../services/inventory/vms';
import { router, viewerProcedure } from '../init';

export const vmsRouter = router({
  list: viewerProcedure
    .input(vmListQueryInput)
    .query(({ ctx, input }) => listVms(ctx.stores, ctx.service, input)),
  count: viewerProcedure
    .input(vmCountQueryInput)
    .query(({ ctx, input }) => countVms(ctx.stores, ctx.service, input)),
  get: viewerProcedure.input(idInput).query(({ ctx, input }) => getVm(ctx.stores, ctx.service, input.id)),
  /** The names of VMs known by id only; a VM the inventory lacks is left out. */
  names: viewerProcedure.input(vmNamesInput).query(({ ctx, input }) => namesOfVms(ctx.stores, input.ids)),
  plan: viewerProcedure.input(idInput).query(({ ctx, input }) => getMethodPlan(ctx.stores, input.id)),
});
