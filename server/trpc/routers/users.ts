import {
  changeRoleInput,
  createAccountInput,
  resetPasswordInput,
  setDisabledInput,
} from '../../schemas/accounts';
import { listAccounts } from '../../services/account-service';
import {
  changeRoleOrAsk,
  createAccountOrAsk,
  resetPasswordOrAsk,
  setDisabledOrAsk,
} from '../../services/user-admin-service';
import { adminProcedure, router } from '../init';

/**
 * User administration (admins only): create, change role, disable or enable, reset a password. A
 * change of who is an admin answers with a four-eyes request instead (user-admin-service.ts).
 */
export const usersRouter = router({
  list: adminProcedure.query(({ ctx }) => listAccounts(ctx.accounts, ctx.service)),
  create: adminProcedure
    .input(createAccountInput)
    .mutation(({ ctx, input }) => createAccountOrAsk(ctx, input)),
  setRole: adminProcedure.input(changeRoleInput).mutation(({ ctx, input }) => changeRoleOrAsk(ctx, input)),
  setDisabled: adminProcedure
    .input(setDisabledInput)
    .mutation(({ ctx, input }) => setDisabledOrAsk(ctx, input)),
  resetPassword: adminProcedure
    .input(resetPasswordInput)
    .mutation(({ ctx, input }) => resetPasswordOrAsk(ctx, input)),
});
