/**
 * The tRPC HTTP endpoint with the limits that keep one client from stalling the server: a request
 * body over `maxRequestBytes` is refused with 413 before it is read whole, and a batch of more than
 * `maxBatchSize` calls is refused with 400 before any of its calls runs. Both answers are ordinary
 * tRPC errors, so the console shows their message like any other.
 */
import { TRPCError } from '@trpc/server';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import type { Context } from './init';
import { appRouter } from './root';

export const TRPC_ENDPOINT = '/api/trpc';

export interface TrpcHttpLimits {
  maxRequestBytes: number;
  maxBatchSize: number;
}

export interface TrpcHttpHandlerOptions extends TrpcHttpLimits {
  /** The context of one request (its headers say who is asking and from where). */
  createContext: (request: Request) => Context;
}

export function createTrpcHttpHandler(
  options: TrpcHttpHandlerOptions,
): (request: Request) => Promise<Response> {
  return (request) =>
    fetchRequestHandler({
      endpoint: TRPC_ENDPOINT,
      req: withBodyLimit(request, options.maxRequestBytes),
      router: appRouter,
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
 * The request with a body that fails with PAYLOAD_TOO_LARGE (HTTP 413) as soon as it is known to be
 * over the limit: at once when Content-Length says so (nothing of it is read), otherwise when the
 * streamed bytes pass it (a chunked body or a Content-Length that lies). tRPC reads inputs lazily,
 * so the error surfaces as the failure of the calls that read it.
 */
export function withBodyLimit(request: Request, maxBytes: number): Request {
  if (!request.body) return request;
  const declared = Number(request.headers.get('content-length'));
  const tooLarge = (size: string) =>
    new TRPCError({
      code: 'PAYLOAD_TOO_LARGE',
      message: `The request is ${size}; the server accepts at most ${formatSize(maxBytes)} (MIGAWKA_MAX_REQUEST_BYTES).`,
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
