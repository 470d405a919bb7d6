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
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
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

/** The incoming request as a fetch `Request`; aborted when the client goes away (ends SSE streams). */
function asFetchRequest(incoming: IncomingMessage, response: ServerResponse): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(incoming.headers)) {
    for (const one of Array.isArray(value) ? value : value === undefined ? [] : [value])
      headers.append(name, one);
  }
  const gone = new AbortController();
  response.on('close', () => gone.abort());
  const hasBody = incoming.method !== 'GET' && incoming.method !== 'HEAD';
  return new Request(`http://${incoming.headers.host ?? '127.0.0.1'}${incoming.url ?? '/'}`, {
    method: incoming.method,
    headers,
    signal: gone.signal,
    ...(hasBody ? { body: Readable.toWeb(incoming) as ReadableStream, duplex: 'half' } : {}),
  } as RequestInit);
}

async function answer(incoming: IncomingMessage, outgoing: ServerResponse): Promise<void> {
  const response = await route(asFetchRequest(incoming, outgoing));
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie') headers[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) headers['set-cookie'] = cookies;
  outgoing.writeHead(response.status, headers);
  if (!response.body) {
    outgoing.end();
    return;
  }
  // Streamed as it comes (SSE): each chunk is written when the handler yields it.
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    if (outgoing.destroyed) break;
    outgoing.write(chunk);
  }
  outgoing.end();
}

process.env.NEXT_RUNTIME = 'nodejs';
await register();
const server = createServer((incoming, outgoing) => {
  answer(incoming, outgoing).catch((error: unknown) => {
    console.error(error);
    if (!outgoing.headersSent) outgoing.writeHead(500);
    outgoing.end();
  });
});
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
