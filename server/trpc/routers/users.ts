import {
  changeRoleInputSchema,
  createAccountInputSchema,
  resetPasswordInputSchema,
  setDisabledInputSchema,
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
    .input(createAccountInputSchema)
    .mutation(({ ctx, input }) => createAccount(ctx.accounts, ctx.service, input)),
  setRole: adminProcedure
    .input(changeRoleInputSchema)
    .mutation(({ ctx, input }) => changeRole(ctx.accounts, ctx.service, input)),
  setDisabled: adminProcedure
    .input(setDisabledInputSchema)
    .mutation(({ ctx, input }) => setAccountDisabled(ctx.accounts, ctx.service, input)),
  resetPassword: adminProcedure
    .input(resetPasswordInputSchema)
    .mutation(({ ctx, input }) => resetPassword(ctx.accounts, ctx.service, input)),
});
