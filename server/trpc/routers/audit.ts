/** The audit trail: a filtered page of entries, the actors for the filter, and the chain's check. */
import { auditListInput } from '../../schemas/audit';
import { listAuditActors, listAuditEntries, verifyAuditTrail } from '../../services/audit-service';
import { adminProcedure, router } from '../init';

export const auditRouter = router({
  list: adminProcedure
    .input(auditListInput)
    .query(({ ctx, input }) =>
      listAuditEntries(ctx.stores, { ...input.filter, limit: input.limit, cursor: input.cursor ?? null }),
    ),
  actors: adminProcedure.query(({ ctx }) => listAuditActors(ctx.stores)),
  verify: adminProcedure.query(({ ctx }) => verifyAuditTrail(ctx.stores)),
});
