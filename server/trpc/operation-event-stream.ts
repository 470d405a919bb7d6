/**
 * A live stream of operation events: what `operations.events` returns. In process (a server-side
 * caller, the tests) it is iterated as an async generator; over HTTP the console's own SSE producer
 * (operation-events-sse.ts) recognises it and serves it from the fan-out hub instead, with the same
 * position, filter and session check (operation-event-hub.ts).
 */
import { TRPCError, type TrackedEnvelope, tracked } from '@trpc/server';
import type { Stores } from '../../db/stores/ports';
import {
  listEventsSince,
  type OperationEvent,
  subscribeToOperationEvents,
} from '../services/operations-service';
import { serializeOnce } from './transformer';

/** What a stream fails with once its session is revoked, expired, or its user disabled or re-roled. */
export function sessionEndedError(): TRPCError {
  return new TRPCError({ code: 'UNAUTHORIZED', message: 'Your session ended: sign in again' });
}

/** Events read from the database per page when a stream replays from a position. */
export const REPLAY_PAGE = 1000;
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
  stores: Stores,
  options: StreamOptions,
): AsyncGenerator<OperationEvent> {
  return streamOperationEventsAs(stores, options, (event) => event);
}

export interface StreamOptions {
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
  stores: Stores,
  options: StreamOptions,
  as: (event: OperationEvent) => T,
): AsyncGenerator<T> {
  const assertAllowed = async () => {
    if (options.stillAllowed && !(await options.stillAllowed())) {
      throw sessionEndedError();
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

/**
 * One subscription to `operations.events`, as the procedure validated and authorised it: its
 * position, filter and session. Iterating it runs `streamOperationEventsAs` (each event tracked by
 * its id); the HTTP producer reads `stores` and `options` and fans events out from the hub.
 */
export class OperationEventSubscription implements AsyncIterable<TrackedEnvelope<OperationEvent>, void> {
  constructor(
    readonly stores: Stores,
    readonly options: StreamOptions,
  ) {}

  [Symbol.asyncIterator](): AsyncIterator<TrackedEnvelope<OperationEvent>, void> {
    // A live event is one object for every stream on this node: serialised once for all of them.
    return streamOperationEventsAs(this.stores, this.options, (event) =>
      tracked(String(event.id), serializeOnce(event)),
    );
  }
}
