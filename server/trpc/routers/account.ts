import { sessionIdInput } from '../../schemas/accounts';
import { describeMe, listMySessions, revokeMySession } from '../../services/account-service';
import { router, viewerProcedure } from '../init';

/** The signed-in user's own account: who they are, what the console may offer them, their sessions. */
export const accountRouter = router({
  me: viewerProcedure.query(({ ctx }) => describeMe(ctx.service)),
  sessions: viewerProcedure.query(({ ctx }) =>
    listMySessions(ctx.accounts, ctx.service, ctx.principal.session?.id ?? null),
  ),
  revokeSession: viewerProcedure
    .input(sessionIdInput)
    .mutation(({ ctx, input }) => revokeMySession(ctx.accounts, ctx.service, input)),
});
