/**
 * Storage-array connections (ONTAP, EqualLogic), for admins: list, add, test, accept a changed
 * certificate or host key, run a discovery, remove. Thin: each procedure validates with the shared
 * schema and calls one service function. A discovery reaches the cluster: it takes the request's abort signal and a one-minute
 * deadline, and answers a cluster that cannot be read with the reason instead of failing.
 */
import {
  acceptArrayCertificateInput,
  addEqualLogicConnectionInput,
  addOntapConnectionInput,
  arrayConnectionIdInput,
  removeArrayConnectionInput,
} from '../../schemas/array-connections';
import {
  acceptArrayCertificate,
  addEqualLogicConnection,
  addOntapConnection,
  listArrayConnections,
  removeArrayConnection,
  runArraySync,
} from '../../services/array-admin-service';
import { testArrayConnection } from '../../services/array-connection-check';
import { adminProcedure, router } from '../init';

const ARRAY_CALL_MS = 60_000;

export const arrayConnectionsRouter = router({
  list: adminProcedure.query(({ ctx }) => listArrayConnections(ctx.stores)),
  addOntap: adminProcedure
    .input(addOntapConnectionInput)
    .mutation(({ ctx, input }) => addOntapConnection(ctx.stores, ctx.service, ctx.vaultKeys, input)),
  addEqualLogic: adminProcedure
    .input(addEqualLogicConnectionInput)
    .mutation(({ ctx, input }) => addEqualLogicConnection(ctx.stores, ctx.service, ctx.vaultKeys, input)),
  acceptCertificate: adminProcedure
    .input(acceptArrayCertificateInput)
    .mutation(({ ctx, input }) => acceptArrayCertificate(ctx.stores, ctx.service, input)),
  test: adminProcedure.input(arrayConnectionIdInput).mutation(({ ctx, input, signal }) =>
    testArrayConnection(ctx.stores, ctx.service, ctx.vaultKeys, input, {
      signal: signal ?? new AbortController().signal,
      timeoutMs: ARRAY_CALL_MS,
    }),
  ),
  remove: adminProcedure
    .input(removeArrayConnectionInput)
    .mutation(({ ctx, input }) => removeArrayConnection(ctx.stores, ctx.service, input)),
  sync: adminProcedure.input(arrayConnectionIdInput).mutation(({ ctx, input, signal }) =>
    runArraySync(ctx.stores, ctx.service, ctx.vaultKeys, input, {
      signal: signal ?? new AbortController().signal,
      timeoutMs: ARRAY_CALL_MS,
    }),
  ),
});
