import { hostListQueryInput, idInput } from '../../schemas/inventory-queries';
import { getHost, listHosts } from '../../services/inventory/hosts';
import { publicProcedure, router } from '../init';

export const hostsRouter = router({
  list: publicProcedure.input(hostListQueryInput).query(({ ctx, input }) => listHosts(ctx.stores, input)),
  get: publicProcedure.input(idInput).query(({ ctx, input }) => getHost(ctx.stores, input.id)),
});
