import { getDashboard } from '../../services/inventory-service';
import { publicProcedure, router } from '../init';

export const dashboardRouter = router({
  get: publicProcedure.query(({ ctx }) => getDashboard(ctx.db)),
});
