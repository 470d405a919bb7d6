/**
 * A web node without Next's page rendering: the console's own API route handlers (health,
 * accounts, tRPC with its SSE streams) on `node:http`, started the way `next start` starts them
 * (instrumentation.ts `register()`, configured from the environment like any node). The
 * multi-process proof (server/jobs/scale-out-proof.test.ts) runs two of these beside separate
 * worker processes on one PostgreSQL database; production web nodes run `npm start`, which serves
 * the same handlers and the pages.
 *
 * Usage: tsx scripts/web-node.ts <port> (0 picks a free one); prints `listening <port>` when ready.
 */
import { createServer } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import { GET as authGet, POST as authPost } from '../app/api/auth/[...all]/route';
import { GET as healthGet } from '../app/api/health/route';
import { GET as trpcGet, POST as trpcPost } from '../app/api/trpc/[trpc]/route';
import { register } from '../instrumentation';

/** What Next would route: the path decides the handler, the method its export. */
function route(request: Request): Promise<Response> {
  const { pathname } = new URL(request.url);
  const get = request.method === 'GET' || request.method === 'HEAD';
  if (pathname === '/api/health') return healthGet();
  if (pathname.startsWith('/api/auth/')) return get ? authGet(request) : authPost(request);
  if (pathname.startsWith('/api/trpc/')) return get ? trpcGet(request) : trpcPost(request);
  return Promise.resolve(new Response('not found', { status: 404 }));
}

process.env.NEXT_RUNTIME = 'nodejs';
await register();
// Node's request as a fetch Request (aborted when the client goes away, which ends SSE streams), the
// Response streamed back as it comes; the platform's own Request and Response are left in place.
const server = createServer(getRequestListener(route, { overrideGlobalObjects: false }));
server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  const address = server.address();
  console.log(`listening ${typeof address === 'object' && address ? address.port : ''}`);
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  });
}
