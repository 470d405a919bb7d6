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
import { withGzip } from './http-compression';
import { forwardedFor } from './peer-address';
import { publishedTrpcEndpoint } from './trpc/direct-endpoint';

export interface ConsoleServerOptions {
  host: string;
  port: number;
  isDevelopment: boolean;
  /** MIGAWKA_TRUSTED_PROXY: a reverse proxy in front writes X-Forwarded-For (peer-address.ts). */
  trustedProxy: boolean;
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
  const server = http.createServer((request, response) => {
    request.headers['x-forwarded-for'] = forwardedFor(
      request.headers['x-forwarded-for'],
      request.socket.remoteAddress,
      options.trustedProxy,
    );
    const isDirect =
      !options.isDevelopment && publishedTrpcEndpoint() !== undefined && TRPC_PATH.test(request.url ?? '');
    if (isDirect) void serveTrpc(request, response);
    else void handleWithNext(request, response);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, resolve);
  });
  return server;
}
