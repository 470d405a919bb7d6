import { arrayListQueryInput, idInput } from '../../schemas/inventory-queries';
import { getArray, listArrays } from '../../services/inventory/arrays';
import { publicProcedure, router } from '../init';

export const arraysRouter = router({
  list: publicProcedure.input(arrayListQueryInput).query(({ ctx, input }) => listArrays(ctx.stores, input)),
  get: publicProcedure.input(idInput).query(({ ctx, input }) => getArray(ctx.stores, input.id)),
});
