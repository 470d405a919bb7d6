import {
  getProtectionActivity,
  listRunsNeedingAttention,
  listVmProtection,
  protectionListQueryInput,
  summarizeProtection,
} from '../../services/protection-service';
import { router, viewerProcedure } from '../init';

export const protectionRouter = router({
  summary: viewerProcedure.query(({ ctx }) => summarizeProtection(ctx.stores, ctx.service)),
  vms: viewerProcedure
    .input(protectionListQueryInput)
    .query(({ ctx, input }) => listVmProtection(ctx.stores, ctx.service, input)),
  attention: viewerProcedure.query(({ ctx }) => listRunsNeedingAttention(ctx.stores, ctx.service)),
  activity: viewerProcedure.query(({ ctx }) => getProtectionActivity(ctx.stores, ctx.service)),
});
