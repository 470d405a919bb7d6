/**
 * Connector credentials. No procedure here returns a secret's value: the list, create and replace
 * answer with metadata only (drivers read values through the vault service, never over tRPC).
 */
import {
  createSecretInputSchema,
  replaceSecretInputSchema,
  secretIdInputSchema,
} from '../../schemas/secrets';
import { createSecret, deleteSecret, listSecrets, replaceSecretValue } from '../../services/vault-service';
import { publicProcedure, router } from '../init';

export const secretsRouter = router({
  list: publicProcedure.query(({ ctx }) => listSecrets(ctx.stores, ctx.vaultKeys)),
  create: publicProcedure
    .input(createSecretInputSchema)
    .mutation(({ ctx, input }) => createSecret(ctx.stores, ctx.service, ctx.vaultKeys, input)),
  replace: publicProcedure
    .input(replaceSecretInputSchema)
    .mutation(({ ctx, input }) => replaceSecretValue(ctx.stores, ctx.service, ctx.vaultKeys, input)),
  delete: publicProcedure
    .input(secretIdInputSchema)
    .mutation(({ ctx, input }) => deleteSecret(ctx.stores, ctx.service, input.id)),
});
