import {
  hostCountQueryInput,
  hostListQueryInput,
  idInput,
  staleHostFactsInput,
} from '../../schemas/inventory-queries';
import { countHosts, getHost, listHosts } from '../../services/inventory/hosts';
import { staleHostFacts } from '../../services/inventory/stale-hosts';
import { router, viewerProcedure } from '../init';

export const hostsRouter = router({
  list: viewerProcedure.input(hostListQueryInput).query(({ ctx, input }) => listHosts(ctx.stores, input)),
  count: viewerProcedure.input(hostCountQueryInput).query(({ ctx, input }) => countHosts(ctx.stores, input)),
  get: viewerProcedure.input(idInput).query(({ ctx, input }) => getHost(ctx.stores, input.id)),
  /**
   * Every host whose facts may be out of date (the dashboard's, the VM list's and the protection
   * page's warning); given VM ids, only their hosts, counting only them (the backup review's).
   */
  staleFacts: viewerProcedure
    .input(staleHostFactsInput)
    .query(({ ctx, input }) => staleHostFacts(ctx.stores, input?.vmIds)),
});
