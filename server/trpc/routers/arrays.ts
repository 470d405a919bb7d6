import { arrayListInput, idInput } from '../../schemas/inventory-queries';
import { getArray, listArrays } from '../../services/inventory-service';
import { publicProcedure, router } from '../init';

export const arraysRouter = router({
  list: publicProcedure.input(arrayListInput).query(({ ctx, input }) => listArrays(ctx.db, input)),
  get: publicProcedure.input(idInput).query(({ ctx, input }) => getArray(ctx.db, input.id)),
});
