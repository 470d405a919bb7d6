import { arrayCountQueryInput, arrayListQueryInput, idInput } from '../../schemas/inventory-queries';
import { countArrays, getArray, getArrayVolumeName, listArrays } from '../../services/inventory/arrays';
import { router, viewerProcedure } from '../init';

export const arraysRouter = router({
  list: viewerProcedure.input(arrayListQueryInput).query(({ ctx, input }) => listArrays(ctx.stores, input)),
  count: viewerProcedure
    .input(arrayCountQueryInput)
    .query(({ ctx, input }) => countArrays(ctx.stores, input)),
  get: viewerProcedure.input(idInput).query(({ ctx, input }) => getArray(ctx.stores, input.id)),
  /** One LUN's name and its array's (the VM list's "on array volume" filter chip). */
  volume: viewerProcedure.input(idInput).query(({ ctx, input }) => getArrayVolumeName(ctx.stores, input.id)),
});
