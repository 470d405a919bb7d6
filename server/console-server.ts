/**
 * The console's HTTP server (`npm start`, `npm run dev`, the image and the test suites): Next.js
 * serves the pages, files and non-tRPC routes; `/api/trpc/*` goes straight to the tRPC endpoint that
 * instrumentation publishes (server/trpc/direct-endpoint.ts), skipping Next's router: on the VM
 * list's first page, Next's routing and response piping were about 30 % of each call's CPU (5.4 ms
 * a call through Next, 3.8 ms straight; docs/BENCHMARKS.md).
 *
 * `next dev` keeps every request on Next's router: its reloads replace the route's code, while the
 * published endpoint would keep the code of the first load.
 */
import http from 'node:http';
import { getRequestListener } from '@hono/node-server';
import next from 'next';
import { processSessionChecks } from './auth/session-checks';
import { withGzip } from './http-compression';
import { logger } from './logger';
import { forwardedFor } from './peer-address';
import { bundleQueryThread } from './query-threads/bundle';
import { type QueryThreadPool, startQueryThreads } from './query-threads/pool';
import { isForQueryThreads } from './query-threads/routing';
import { publishedTrpcEndpoint } from './trpc/direct-endpoint';

export interface ConsoleServerOptions {
  host: string;
  port: number;
  isDevelopment: boolean;
  /** MIGAWKA_TRUSTED_PROXY: a reverse proxy in front writes X-Forwarded-For (peer-address.ts). */
  trustedProxy: boolean;
  /**
   * MIGAWKA_QUERY_THREADS: threads answering the estate's reads beside this one (server/query-threads).
   * None under `next dev`, and none on a private in-memory database another thread cannot open.
   */
  queryThreads: number;
}

const TRPC_PATH = /^\/api\/trpc(\/|\?|$)/;

export async function startConsoleServer(options: ConsoleServerOptions): Promise<http.Server> {
  const app = next({ dev: options.isDevelopment, hostname: options.host, port: options.port });
  const handleWithNext = app.getRequestHandler();
  // Runs instrumentation: the database is open and the endpoint published before the first request.
  await app.prepare();
  const serveTrpc = getRequestListener(
    async (request, { incoming }) => {
      const endpoint = publishedTrpcEndpoint();
      if (!endpoint) throw new Error('the tRPC endpoint was not published by instrumentation');
      // The listener builds the request from the raw headers, not from the ones set below.
      const peer = incoming.headers['x-forwarded-for'];
      if (typeof peer === 'string') request.headers.set('x-forwarded-for', peer);
      else request.headers.delete('x-forwarded-for');
      return withGzip(request, await endpoint(request));
    },
    // Next runs in this process and uses the platform's Request and Response: leave them as they are.
    { overrideGlobalObjects: false },
  );
  const threads = options.isDevelopment ? null : await startThreads(options.queryThreads);
  const server = http.createServer((request, response) => {
    request.headers['x-forwarded-for'] = forwardedFor(
      request.headers['x-forwarded-for'],
      request.socket.remoteAddress,
      options.trustedProxy,
    );
    const isDirect =
      !options.isDevelopment && publishedTrpcEndpoint() !== undefined && TRPC_PATH.test(request.url ?? '');
    if (!isDirect) void handleWithNext(request, response);
    else if (threads && isForQueryThreads(request.method, request.url))
      threads.serve(request, response, () => void serveTrpc(request, response));
    else void serveTrpc(request, response);
  });
  server.once('close', () => void threads?.close());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, resolve);
  });
  return server;
}

/** The query threads, or null when none is asked for or none could start (the main thread answers all). */
async function startThreads(count: number): Promise<QueryThreadPool | null> {
  if (count === 0) return null;
  try {
    const pool = await startQueryThreads({ count, entry: await bundleQueryThread(), logger });
    if (pool.size === 0) return null;
    // A session revoked or a user changed here: the threads judge their next requests afresh.
    processSessionChecks().onChanged(() => pool.noteSessionsChanged());
    return pool;
  } catch (error) {
    logger.warn({ err: error }, 'the query threads could not start; the main thread answers every request');
    return null;
  }
}
