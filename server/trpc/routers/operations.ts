import {
  backupVmInput,
  operationEventsInput,
  operationIdInput,
  operationListQueryInput,
  retryFailedInput,
} from '../../schemas/operation-queries';
import type { BackupRequestInput } from '../../schemas/operations';
import { retryOrRequestApproval } from '../../services/approval-service';
import {
  cancelOperation,
  getOperation,
  listOperations,
  startBackup,
} from '../../services/operations-service';
import { previewRetry } from '../../services/retry-service';
import { operatorProcedure, router, viewerProcedure } from '../init';
import { OperationEventSubscription } from '../operation-event-stream';

/**
 * "Back up now" from a VM page: the planner's recommended method, and the forgiving policies an
 * operator expects from a one-click backup — a VM that cannot be quiesced still gets a
 * crash-consistent point (recorded, with the reason), a pass-through disk is left out with a
 * warning instead of failing the VM. The wizard is where an operator picks stricter ones.
 */
export function backupNowRequestOf(vmId: string): BackupRequestInput {
  return { scope: { kind: 'vms', vmIds: [vmId] }, consistencyPolicy: 'fallback', passthroughPolicy: 'skip' };
}

export const operationsRouter = router({
  list: viewerProcedure
    .input(operationListQueryInput)
    .query(({ ctx, input }) => listOperations(ctx.stores, input)),
  get: viewerProcedure
    .input(operationIdInput)
    .query(({ ctx, input }) => getOperation(ctx.stores, input.id, { accounts: ctx.accounts })),
  cancel: operatorProcedure
    .input(operationIdInput)
    .mutation(({ ctx, input }) => cancelOperation(ctx.stores, ctx.service, input.id)),
  /** What a retry would destroy now, and the name it asks to be typed (none for a one-click retry). */
  retryPreview: viewerProcedure
    .input(operationIdInput)
    .query(({ ctx, input }) => previewRetry(ctx.stores, ctx.service, input.id)),
  /**
   * A retry that destroys data again (restore over what exists, point deletion) needs the name typed
   * afresh, and asks a second admin first where four-eyes applies.
   */
  retryFailed: operatorProcedure
    .input(retryFailedInput)
    .mutation(({ ctx, input }) => retryOrRequestApproval(ctx, input)),
  backupVm: operatorProcedure
    .input(backupVmInput)
    .mutation(({ ctx, input }) => startBackup(ctx.stores, ctx.service, backupNowRequestOf(input.vmId))),
  events: viewerProcedure.input(operationEventsInput).subscription(
    ({ ctx, input, signal }) =>
      new OperationEventSubscription(ctx.stores, {
        operationId: input.operationId,
        afterId: input.lastEventId ? Number(input.lastEventId) : null,
        signal,
        stillAllowed: ctx.sessionStillValid,
      }),
  ),
});
