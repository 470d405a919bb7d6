/**
 * The tRPC HTTP endpoint behind the console's edge:
 * - a request addressed to a host name the console does not answer to, or sent by a browser on
 *   behalf of another site, is refused with 403 before any procedure runs (server/edge.ts);
 * - a request body over its cap is refused with 413 before it is read whole: `maxImportBytes` for a
 *   request that calls the inventory import (a whole estate as JSON), `maxRequestBytes` otherwise;
 * - a batch of more than `maxBatchSize` calls is refused with 400 before any of its calls runs.
 * `operations.events` (live events over SSE) is answered by operation-events-sse.ts, in tRPC's
 * format; every other call by tRPC.
 * All three answers are ordinary tRPC errors, so the console shows their message like any other;
 * every answer carries the security headers.
 */
import { TRPCError } from '@trpc/server';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import {
  API_CONTENT_SECURITY_POLICY,
  checkCrossOrigin,
  checkHost,
  type EdgePolicy,
  type EdgeRefusal,
  SECURITY_HEADERS,
} from '../edge';
import type { Context } from './init';
import { isOperationEventsRequest, serveOperationEvents } from './operation-events-sse';
import { appRouter } from './root';

export const TRPC_ENDPOINT = '/api/trpc';

/** The one procedure whose request may be as large as an estate. */
export const IMPORT_PROCEDURE = 'inventory.import';

export interface TrpcHttpLimits {
  maxRequestBytes: number;
  maxImportBytes: number;
  maxBatchSize: number;
}

export interface TrpcHttpHandlerOptions extends TrpcHttpLimits {
  edge: EdgePolicy;
  /** The context of one request (its headers say who is asking — the session cookie — and from where). */
  createContext: (request: Request) => Context | Promise<Context>;
}

export function createTrpcHttpHandler(
  options: TrpcHttpHandlerOptions,
): (request: Request) => Promise<Response> {
  return async (request) => {
    const refusal = checkHost(request, options.edge) ?? checkCrossOrigin(request, options.edge);
    const response = refusal ? refusalResponse(request, refusal) : await answer(request, options);
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) response.headers.set(name, value);
    response.headers.set('Content-Security-Policy', API_CONTENT_SECURITY_POLICY);
    return response;
  };
}

function answer(request: Request, options: TrpcHttpHandlerOptions): Promise<Response> {
  // Live operation events: written by the console's own producer, in tRPC's format, shared bytes.
  if (isOperationEventsRequest(request, TRPC_ENDPOINT))
    return serveOperationEvents(request, options.createContext);
  return fetchRequestHandler({
    endpoint: TRPC_ENDPOINT,
    req: withBodyLimit(request, bodyLimitOf(request, options)),
    router: appRouter,
    // The console sends a query with a long input as a POST (app/_lib/trpc-links.ts). Only a POST
    // may override: a mutation sent as a GET is still refused.
    allowMethodOverride: true,
    // tRPC 11's own `maxBatchSize` option refuses with "Batch call exceeds maximum size", which names
    // neither the limit nor the setting. tRPC builds the context once per request from the parsed
    // call list (no input read yet), and an error thrown here fails every call of the batch.
    createContext: ({ info, req }) => {
      if (info.calls.length > options.maxBatchSize) {
        throw new TRPCError({
          code: 'BAD_REQUEST',
          message: `This request batches ${info.calls.length} calls; the server accepts at most ${options.maxBatchSize} per request (MIGAWKA_MAX_BATCH_SIZE).`,
        });
      }
      return options.createContext(req);
    },
  });
}

/**
 * The 403 in tRPC's error format (one answer per call of a batch), so the console shows its message.
 * It is built here rather than thrown from createContext because tRPC answers a subscription whose
 * context fails with a 200 event stream: a refused stream must not even open.
 */
function refusalResponse(request: Request, refusal: EdgeRefusal): Response {
  const error = {
    error: {
      json: {
        message: refusal.message,
        code: -32003,
        data: { code: 'FORBIDDEN', httpStatus: refusal.status, fieldErrors: [] },
      },
    },
  };
  const url = new URL(request.url);
  const calls = url.pathname.slice(TRPC_ENDPOINT.length + 1).split(',').length;
  const body = url.searchParams.get('batch') === '1' ? Array.from({ length: calls }, () => error) : error;
  return Response.json(body, { status: refusal.status });
}

export interface BodyLimit {
  maxBytes: number;
  /** The setting that raises it, named in the 413 answer. */
  setting: 'MIGAWKA_MAX_REQUEST_BYTES' | 'MIGAWKA_MAX_IMPORT_BYTES';
}

/** The import's cap for a request that calls the import (alone or in a batch), the ordinary cap otherwise. */
export function bodyLimitOf(request: Request, limits: TrpcHttpLimits): BodyLimit {
  const paths = new URL(request.url).pathname.slice(TRPC_ENDPOINT.length + 1).split(',');
  return paths.includes(IMPORT_PROCEDURE)
    ? { maxBytes: limits.maxImportBytes, setting: 'MIGAWKA_MAX_IMPORT_BYTES' }
    : { maxBytes: limits.maxRequestBytes, setting: 'MIGAWKA_MAX_REQUEST_BYTES' };
}

/**
 * The request with a body that fails with PAYLOAD_TOO_LARGE (HTTP 413) as soon as it is known to be
 * over the limit: at once when Content-Length says so (nothing of it is read), otherwise when the
 * streamed bytes pass it (a chunked body or a Content-Length that lies). tRPC reads inputs lazily,
 * so the error surfaces as the failure of the calls that read it.
 */
export function withBodyLimit(request: Request, { maxBytes, setting }: BodyLimit): Request {
  // A GET or HEAD has no body. Asking for it would make the console's server build the platform's
  // Request from Node's (~2 % of a query's CPU), tied to an abort signal, and Node 20 keeps such a
  // Request until a major collection.
  if (request.method === 'GET' || request.method === 'HEAD' || !request.body) return request;
  const declared = Number(request.headers.get('content-length'));
  const tooLarge = (size: string) =>
    new TRPCError({
      code: 'PAYLOAD_TOO_LARGE',
      message: `The request is ${size}; the server accepts at most ${formatSize(maxBytes)} (${setting}).`,
    });
  let body: ReadableStream<Uint8Array>;
  if (Number.isFinite(declared) && declared > maxBytes) {
    const error = tooLarge(formatSize(declared));
    body = new ReadableStream({ start: (controller) => controller.error(error) });
  } else {
    let received = 0;
    body = request.body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          received += chunk.byteLength;
          if (received > maxBytes) controller.error(tooLarge(`larger than ${formatSize(maxBytes)}`));
          else controller.enqueue(chunk);
        },
      }),
    );
  }
  return new Request(request.url, {
    method: request.method,
    headers: request.headers,
    body,
    signal: request.signal,
    // Required by Node's fetch for a streamed request body.
    duplex: 'half',
  } as RequestInit);
}

const MIB = 1024 * 1024;

/** "128 MiB", "1.5 MiB", or bytes below a mebibyte. */
export function formatSize(bytes: number): string {
  if (bytes < MIB) return `${bytes.toLocaleString('en-US')} bytes`;
  const mib = bytes / MIB;
  return `${Number.isInteger(mib) ? mib : mib.toFixed(1)} MiB`;
}
