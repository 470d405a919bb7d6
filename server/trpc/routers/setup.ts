import { completeSetupInput } from '../../schemas/accounts';
import { completeSetup, needsSetup } from '../../services/account-service';
import { publicProcedure, router } from '../init';

/**
 * First run, before any account exists (so nobody can be signed in): whether setup is needed, and
 * the first admin, made only with the one-time token from the server log.
 */
export const setupRouter = router({
  status: publicProcedure.query(async ({ ctx }) => ({ needsSetup: await needsSetup(ctx.accounts) })),
  complete: publicProcedure
    .input(completeSetupInput)
    .mutation(({ ctx, input }) => completeSetup(ctx.accounts, ctx.service, input)),
});
