import { getDashboard } from '../../services/inventory/dashboard';
import { publicProcedure, router } from '../init';

export const dashboardRouter = router({
  get: publicProcedure.query(({ ctx }) => getDashboard(ctx.stores)),
});
