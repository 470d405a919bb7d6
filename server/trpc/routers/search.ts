import { estateSearchInput } from '../../schemas/search';
import { searchEstate } from '../../services/search-service';
import { router, viewerProcedure } from '../init';

export const searchRouter = router({
  estate: viewerProcedure
    .input(estateSearchInput)
    .query(({ ctx, input }) => searchEstate(ctx.stores, ctx.service, input)),
});
