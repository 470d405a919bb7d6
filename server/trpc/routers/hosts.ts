import { hostListInput, idInput } from '../../schemas/inventory-queries';
import { getHost, listHosts } from '../../services/inventory-service';
import { publicProcedure, router } from '../init';

export const hostsRouter = router({
  list: publicProcedure.input(hostListInput).query(({ ctx, input }) => listHosts(ctx.db, input)),
  get: publicProcedure.input(idInput).query(({ ctx, input }) => getHost(ctx.db, input.id)),
});
