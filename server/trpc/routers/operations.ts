import { TRPCError, tracked } from '@trpc/server';
import {
  backupVmInput,
  operationEventsInput,
  operationIdInput,
  operationListQueryInput,
} from '../../schemas/operation-queries';
import type { BackupRequestInput } from '../../schemas/operations';
import { retryOrRequestApproval } from '../../services/approval-service';
import {
  cancelOperation,
  getOperation,
  listEventsSince,
  listOperations,
  type OperationEvent,
  startBackup,
  subscribeToOperationEvents,
} from '../../services/operations-service';
import { operatorProcedure, router, viewerProcedure } from '../init';
import { serializeOnce } from '../transformer';

/**
 * "Back up now" from a VM page: the planner's recommended method, and the forgiving policies an
 * operator expects from a one-click backup — a VM that cannot be quiesced still gets a
 * crash-consistent point (recorded, with the reason), a pass-through disk is left out with a
 * warning instead of failing the VM. The wizard is where an operator picks stricter ones.
 */
export function backupNowRequestOf(vmId: string): BackupRequestInput {
  return { scope: { kind: 'vms', vmIds: [vmId] }, consistencyPolicy: 'fallback', passthroughPolicy: 'skip' };
}

const REPLAY_PAGE = 1000;
/** How often a quiet stream asks whether its session is still valid (a busy one asks per event). */
export const SESSION_RECHECK_MS = 15_000;

/**
 * Events after `afterId`, then live ones, in id order and without a gap: the bus listener is
 * attached before the database replay, and live events the replay already covered are dropped by
 * id. Ends when the client goes away (`signal`). No polling: live events come from the bus.
 *
 * A stream belongs to a session: before each event, and every `recheckMs` while quiet, it asks
 * `stillAllowed`; once the session is revoked, expired or its user disabled the stream fails with
 * UNAUTHORIZED and sends nothing more.
 */
export function streamOperationEvents(
  stores: Parameters<typeof listEventsSince>[0],
  options: StreamOptions,
): AsyncGenerator<OperationEvent> {
  return streamOperationEventsAs(stores, options, (event) => event);
}

interface StreamOptions {
  operationId?: string;
  afterId: number | null;
  signal?: AbortSignal;
  stillAllowed?: () => Promise<boolean>;
  recheckMs?: number;
}

/**
 * The same stream, each event yielded as `as(event)`: the subscription wraps its events here
 * rather than in a generator of its own around this one, a layer of promises less per event and
 * stream (500 streams on one node pay it 500 times per event).
 */
export async function* streamOperationEventsAs<T>(
  stores: Parameters<typeof listEventsSince>[0],
  options: StreamOptions,
  as: (event: OperationEvent) => T,
): AsyncGenerator<T> {
  const assertAllowed = async () => {
    if (options.stillAllowed && !(await options.stillAllowed())) {
      throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Your session ended: sign in again' });
    }
  };
  const pending: OperationEvent[] = [];
  let wake: (() => void) | null = null;
  const notify = () => {
    wake?.();
    wake = null;
  };
  const unsubscribe = subscribeToOperationEvents((event) => {
    if (options.operationId && event.operationId !== options.operationId) return;
    pending.push(event);
    notify();
  });
  options.signal?.addEventListener('abort', notify, { once: true });
  try {
    let lastId = options.afterId ?? 0;
    // Without a position, the all-operations stream starts now: replaying the whole history to a
    // list page that re-reads its rows anyway would cost a full table scan per open tab.
    const shouldReplay = options.afterId !== null || options.operationId !== undefined;
    while (shouldReplay) {
      const page = await listEventsSince(stores, {
        operationId: options.operationId,
        afterId: lastId,
        limit: REPLAY_PAGE,
      });
      for (const event of page) {
        if (options.signal?.aborted) return;
        await assertAllowed();
        lastId = event.id;
        yield as(event);
      }
      if (page.length < REPLAY_PAGE) break;
    }
    while (!options.signal?.aborted) {
      const event = pending.shift();
      if (!event) {
        let recheck: ReturnType<typeof setTimeout> | undefined;
        await new Promise<void>((resolve) => {
          wake = resolve;
          if (options.stillAllowed) recheck = setTimeout(notify, options.recheckMs ?? SESSION_RECHECK_MS);
        });
        clearTimeout(recheck);
        await assertAllowed();
        continue;
      }
      if (event.id <= lastId) continue;
      await assertAllowed();
      lastId = event.id;
      yield as(event);
    }
  } finally {
    unsubscribe();
    options.signal?.removeEventListener('abort', notify);
  }
}

export const operationsRouter = router({
  list: viewerProcedure
    .input(operationListQueryInput)
    .query(({ ctx, input }) => listOperations(ctx.stores, input)),
  get: viewerProcedure.input(operationIdInput).query(({ ctx, input }) => getOperation(ctx.stores, input.id)),
  cancel: operatorProcedure
    .input(operationIdInput)
    .mutation(({ ctx, input }) => cancelOperation(ctx.stores, ctx.service, input.id)),
  /** A retry that destroys data again (restore over what exists, point deletion) asks a second admin first. */
  retryFailed: operatorProcedure
    .input(operationIdInput)
    .mutation(({ ctx, input }) => retryOrRequestApproval(ctx, input.id)),
  backupVm: operatorProcedure
    .input(backupVmInput)
    .mutation(({ ctx, input }) => startBackup(ctx.stores, ctx.service, backupNowRequestOf(input.vmId))),
  events: viewerProcedure.input(operationEventsInput).subscription(({ ctx, input, signal }) =>
    streamOperationEventsAs(
      ctx.stores,
      {
        operationId: input.operationId,
        afterId: input.lastEventId ? Number(input.lastEventId) : null,
        signal,
        stillAllowed: ctx.sessionStillValid,
      },
      // A live event is one object for every stream on this node: serialised once for all of them.
      (event) => tracked(String(event.id), serializeOnce(event)),
    ),
  ),
});
