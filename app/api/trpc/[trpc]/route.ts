import { createConsoleTrpcEndpoint } from '@/server/trpc/console-endpoint';
import type { TrpcEndpoint } from '@/server/trpc/direct-endpoint';

// better-sqlite3 needs Node; every request reads the live database.
export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// Under `npm start` the console's server answers /api/trpc before Next routes it
// (server/console-server.ts); this route serves `next dev` and a bare `next start`.
let handle: TrpcEndpoint | undefined;

function handler(request: Request) {
  handle ??= createConsoleTrpcEndpoint();
  return handle(request);
}

export { handler as GET, handler as POST };
