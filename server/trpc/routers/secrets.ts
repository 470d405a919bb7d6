/**
 * Connector credentials. No procedure here returns a secret's value: the list, create and replace
 * answer with metadata only (drivers read values through the vault service, never over tRPC).
 */
import { createSecretInput, replaceSecretInput, secretIdInput } from '../../schemas/secrets';
import { createSecret, deleteSecret, listSecrets, replaceSecretValue } from '../../services/vault-service';
import { adminProcedure, router } from '../init';

export const secretsRouter = router({
  list: adminProcedure.query(({ ctx }) => listSecrets(ctx.stores, ctx.vaultKeys)),
  create: adminProcedure
    .input(createSecretInput)
    .mutation(({ ctx, input }) => createSecret(ctx.stores, ctx.service, ctx.vaultKeys, input)),
  replace: adminProcedure
    .input(replaceSecretInput)
    .mutation(({ ctx, input }) => replaceSecretValue(ctx.stores, ctx.service, ctx.vaultKeys, input)),
  delete: adminProcedure
    .input(secretIdInput)
    .mutation(({ ctx, input }) => deleteSecret(ctx.stores, ctx.service, input.id)),
});
