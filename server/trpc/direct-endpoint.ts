/**
 * The tRPC endpoint as the console's own HTTP server reaches it (server/http/console-server.ts).
 *
 * Instrumentation runs inside Next's module graph and publishes the handler here; the server, loaded
 * outside that graph, answers `/api/trpc/*` with it straight away instead of through Next's router,
 * which cost more per call than the procedure itself (docs/BENCHMARKS.md). The handler is the same
 * one the route (app/api/trpc/[trpc]/route.ts) serves, with the same edge checks and limits, and it
 * is on globalThis because the two module graphs share nothing else.
 */
export type TrpcEndpoint = (request: Request) => Promise<Response>;

const holder = globalThis as typeof globalThis & { __migawkaTrpcEndpoint?: TrpcEndpoint };

export function publishTrpcEndpoint(endpoint: TrpcEndpoint): void {
  holder.__migawkaTrpcEndpoint = endpoint;
}

/** The published endpoint, or undefined before instrumentation has run (or under `next dev`). */
export function publishedTrpcEndpoint(): TrpcEndpoint | undefined {
  return holder.__migawkaTrpcEndpoint;
}
