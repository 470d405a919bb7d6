import { getDashboard } from '../../services/inventory/dashboard';
import { router, viewerProcedure } from '../init';

export const dashboardRouter = router({
  get: viewerProcedure.query(({ ctx }) => getDashboard(ctx.stores)),
});
