import {
  getProtectionActivity,
  listRunsNeedingAttention,
  listVmProtection,
  protectionListInputSchema,
  summarizeProtection,
} from '../../services/protection-service';
import { publicProcedure, router } from '../init';

export const protectionRouter = router({
  summary: publicProcedure.query(({ ctx }) => summarizeProtection(ctx.db)),
  vms: publicProcedure
    .input(protectionListInputSchema)
    .query(({ ctx, input }) => listVmProtection(ctx.db, input)),
  attention: publicProcedure.query(({ ctx }) => listRunsNeedingAttention(ctx.db)),
  activity: publicProcedure.query(({ ctx }) => getProtectionActivity(ctx.db)),
});
