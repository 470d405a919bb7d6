import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { createContext } from '@/server/trpc/init';
import { appRouter } from '@/server/trpc/root';

// better-sqlite3 needs Node; every request reads the live database.
export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

function handler(request: Request) {
  return fetchRequestHandler({ endpoint: '/api/trpc', req: request, router: appRouter, createContext });
}

export { handler as GET, handler as POST };
