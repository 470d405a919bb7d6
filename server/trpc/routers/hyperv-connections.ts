/**
 * Hyper-V host connections, for admins: list, add, test (saved, or before saving), accept a changed
 * host key (of the host, or of a cluster node), change the Windows Server Backup target, sync, remove. Thin:
 * each procedure validates with the shared schema and calls one service function. Test and sync
 * reach the host: they take the request's abort signal and a one-minute deadline, and answer a
 * host that cannot be read with the reason instead of failing.
 */
import {
  acceptHypervHostKeyInput,
  acceptHypervNodeHostKeyInput,
  addHypervConnectionInput,
  hypervConnectionIdInput,
  removeHypervConnectionInput,
  setHypervWsbTargetInput,
  testHypervDraftInput,
} from '../../schemas/hyperv-connections';
import { connectionSyncsInput } from '../../schemas/sync-log';
import { disconnectHypervOrRequestApproval } from '../../services/disconnect-approval';
import { hypervDisconnectImpact } from '../../services/disconnect-impact';
import {
  acceptHypervHostKey,
  acceptHypervNodeHostKey,
  addHypervConnection,
  listHypervConnections,
  setHypervWsbTarget,
} from '../../services/hyperv-connection-service';
import { testHypervConnection, testHypervDraft } from '../../services/hyperv-connection-test';
import { runHypervSync } from '../../services/hyperv-sync-service';
import { listConnectionSyncs } from '../../services/sync-log-service';
import { adminProcedure, router } from '../init';

const HOST_CALL_MS = 60_000;
const hostCall = (signal: AbortSignal | undefined) => ({
  signal: signal ?? new AbortController().signal,
  timeoutMs: HOST_CALL_MS,
});

export const hypervConnectionsRouter = router({
  list: adminProcedure.query(({ ctx }) => listHypervConnections(ctx.stores)),
  add: adminProcedure
    .input(addHypervConnectionInput)
    .mutation(({ ctx, input }) => addHypervConnection(ctx.stores, ctx.service, ctx.vaultKeys, input)),
  test: adminProcedure
    .input(hypervConnectionIdInput)
    .mutation(({ ctx, input, signal }) =>
      testHypervConnection(ctx.stores, ctx.service, ctx.vaultKeys, input, hostCall(signal)),
    ),
  testDraft: adminProcedure
    .input(testHypervDraftInput)
    .mutation(({ ctx, input, signal }) =>
      testHypervDraft(ctx.stores, ctx.service, ctx.vaultKeys, input, hostCall(signal)),
    ),
  /** What disconnecting it stops: the VMs on its hosts and the jobs backing them up. */
  disconnectImpact: adminProcedure
    .input(hypervConnectionIdInput)
    .query(({ ctx, input }) => hypervDisconnectImpact(ctx.stores, input)),
  /** Disconnects, or asks a second admin first (four-eyes); confirmed by the connection's name typed. */
  remove: adminProcedure
    .input(removeHypervConnectionInput)
    .mutation(({ ctx, input }) => disconnectHypervOrRequestApproval(ctx, input)),
  acceptHostKey: adminProcedure
    .input(acceptHypervHostKeyInput)
    .mutation(({ ctx, input }) => acceptHypervHostKey(ctx.stores, ctx.service, input)),
  /** A cluster node's changed key, accepted by an admin (per node). */
  acceptNodeHostKey: adminProcedure
    .input(acceptHypervNodeHostKeyInput)
    .mutation(({ ctx, input }) => acceptHypervNodeHostKey(ctx.stores, ctx.service, input)),
  setWsbTarget: adminProcedure
    .input(setHypervWsbTargetInput)
    .mutation(({ ctx, input }) => setHypervWsbTarget(ctx.stores, ctx.service, input)),
  /** The connection's last syncs, newest first, a page at a time. */
  syncs: adminProcedure
    .input(connectionSyncsInput)
    .query(({ ctx, input }) => listConnectionSyncs(ctx.stores, input)),
  sync: adminProcedure
    .input(hypervConnectionIdInput)
    .mutation(({ ctx, input, signal }) =>
      runHypervSync(ctx.stores, ctx.service, ctx.vaultKeys, input, hostCall(signal)),
    ),
});
