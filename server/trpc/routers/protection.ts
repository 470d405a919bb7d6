import {
  getProtectionActivity,
  listRunsNeedingAttention,
  listVmProtection,
  protectionListQueryInput,
  summarizeProtection,
} from '../../services/protection-service';
import { publicProcedure, router } from '../init';

export const protectionRouter = router({
  summary: publicProcedure.query(({ ctx }) => summarizeProtection(ctx.stores, ctx.service)),
  vms: publicProcedure
    .input(protectionListQueryInput)
    .query(({ ctx, input }) => listVmProtection(ctx.stores, ctx.service, input)),
  attention: publicProcedure.query(({ ctx }) => listRunsNeedingAttention(ctx.stores, ctx.service)),
  activity: publicProcedure.query(({ ctx }) => getProtectionActivity(ctx.stores, ctx.service)),
});
