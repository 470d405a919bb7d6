import {
  changeRoleInput,
  createAccountInput,
  resetPasswordInput,
  setDisabledInput,
} from '../../schemas/accounts';
import {
  changeRole,
  createAccount,
  listAccounts,
  resetPassword,
  setAccountDisabled,
} from '../../services/account-service';
import { adminProcedure, router } from '../init';

/** User administration (admins only): create, change role, disable or enable, reset a password. */
export const usersRouter = router({
  list: adminProcedure.query(({ ctx }) => listAccounts(ctx.accounts, ctx.service)),
  create: adminProcedure
    .input(createAccountInput)
    .mutation(({ ctx, input }) => createAccount(ctx.accounts, ctx.service, input)),
  setRole: adminProcedure
    .input(changeRoleInput)
    .mutation(({ ctx, input }) => changeRole(ctx.accounts, ctx.service, input)),
  setDisabled: adminProcedure
    .input(setDisabledInput)
    .mutation(({ ctx, input }) => setAccountDisabled(ctx.accounts, ctx.service, input)),
  resetPassword: adminProcedure
    .input(resetPasswordInput)
    .mutation(({ ctx, input }) => resetPassword(ctx.accounts, ctx.service, input)),
});
