import { getConfig } from '@/server/config';
import { createTrpcHttpHandler } from '@/server/trpc/http-handler';
import { createContext } from '@/server/trpc/init';

// better-sqlite3 needs Node; every request reads the live database.
export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

let handle: ((request: Request) => Promise<Response>) | undefined;

function handler(request: Request) {
  const config = getConfig();
  handle ??= createTrpcHttpHandler({ ...config.http, edge: config.edge, createContext });
  return handle(request);
}

export { handler as GET, handler as POST };
