/**
 * `GET /api/trpc/operations.events` served by the console itself, in tRPC's SSE wire format
 * (sse-wire.ts), from the fan-out hub (operation-event-hub.ts): the client's `httpSubscriptionLink`
 * and EventSource see what tRPC would have sent, byte for byte, at a fraction of tRPC's cost per
 * stream and event.
 *
 * Everything up to the stream is tRPC's own: the context is built by the same function, the input
 * read as tRPC reads it (the `input` query parameter through the transformer, with a
 * `Last-Event-Id` header or `lastEventId` parameter merged in, as on an EventSource reconnection),
 * and the procedure itself is called — its role check, its zod validation, its resolver — so a
 * refusal is the procedure's. Only what it returns, an `OperationEventSubscription`, is then
 * served by the hub instead of being iterated. Failures are answered as tRPC answers them on a
 * subscription: a 200 event stream of `connected` then `serialized-error` with the formatted error.
 * The edge checks and security headers stay with the caller (http-handler.ts).
 */
import { getTRPCErrorFromUnknown } from '@trpc/server';
import {
  getErrorShape,
  getLastEventId,
  getProcedureAtPath,
  isObject,
} from '@trpc/server/unstable-core-do-not-import';
import { listEventsSince } from '../services/operations-service';
import type { Context } from './init';
import { type OperationEventHub, processOperationEventHub } from './operation-event-hub';
import { OperationEventSubscription } from './operation-event-stream';
import { appRouter } from './root';
import { CONNECTED_MESSAGE, serializedErrorMessage, sseResponseHeaders } from './sse-wire';

export const OPERATION_EVENTS_PATH = 'operations.events';

/**
 * A request this producer answers: a GET of the procedure alone. Anything else tRPC would refuse
 * or treat otherwise (a batch, a POST, a JSON-lines stream) goes to tRPC.
 */
export function isOperationEventsRequest(request: Request, endpoint: string): boolean {
  if (request.method !== 'GET') return false;
  const url = new URL(request.url);
  return (
    url.pathname === `${endpoint}/${OPERATION_EVENTS_PATH}` &&
    url.searchParams.get('batch') !== '1' &&
    (request.headers.get('trpc-accept') ?? request.headers.get('accept')) !== 'application/jsonl'
  );
}

/** The request's input as tRPC's fetch adapter reads it for a subscription; `raw` before the merge. */
function inputReaderOf(request: Request) {
  const url = new URL(request.url);
  const { transformer } = appRouter._def._config;
  let raw: unknown;
  return {
    read(): unknown {
      const query = url.searchParams.get('input');
      raw = query ? transformer.input.deserialize(JSON.parse(query)) : undefined;
      let input = raw;
      const lastEventId = getLastEventId({ headers: request.headers, searchParams: url.searchParams });
      if (lastEventId) {
        if (isObject(input)) input = { ...input, lastEventId };
        else input ??= { lastEventId };
      }
      return input;
    },
    raw: () => raw,
  };
}

export async function serveOperationEvents(
  request: Request,
  createContext: (request: Request) => Context | Promise<Context>,
  hub: OperationEventHub = processOperationEventHub(),
): Promise<Response> {
  const config = appRouter._def._config;
  const input = inputReaderOf(request);
  let ctx: Context | undefined;
  const failureMessage = (cause: unknown) => {
    const shape = getErrorShape({
      config,
      ctx,
      error: getTRPCErrorFromUnknown(cause),
      input: input.raw(),
      path: OPERATION_EVENTS_PATH,
      type: 'subscription',
    });
    return serializedErrorMessage(config.transformer.output.serialize(shape));
  };
  let body: ReadableStream<Uint8Array>;
  try {
    // The batch-size check of the tRPC route's context does not apply: this is one call.
    ctx = await createContext(request);
    const procedure = await getProcedureAtPath(appRouter, OPERATION_EVENTS_PATH);
    if (!procedure) throw new Error(`no procedure ${OPERATION_EVENTS_PATH}`);
    const subscription = await procedure({
      path: OPERATION_EVENTS_PATH,
      getRawInput: async () => input.read(),
      ctx,
      type: 'subscription',
      signal: request.signal,
      batchIndex: 0,
    });
    if (!(subscription instanceof OperationEventSubscription)) {
      throw new Error(`${OPERATION_EVENTS_PATH} did not return an OperationEventSubscription`);
    }
    const { stores, options } = subscription;
    body = hub.open({
      operationId: options.operationId,
      afterId: options.afterId,
      readAfter: (afterId, limit) =>
        listEventsSince(stores, { operationId: options.operationId, afterId, limit }),
      stillAllowed: options.stillAllowed,
      failureMessage,
      signal: request.signal,
    });
  } catch (cause) {
    body = failedStream(failureMessage(cause));
  }
  return new Response(body, { status: 200, headers: sseResponseHeaders() });
}

/** What tRPC sends for a subscription refused before it started: `connected`, then the error. */
function failedStream(errorMessage: Uint8Array): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      controller.enqueue(CONNECTED_MESSAGE);
      controller.enqueue(errorMessage);
      controller.close();
    },
  });
}
