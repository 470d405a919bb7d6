import { getAuthRouteHandler } from '@/server/auth/http';

// better-sqlite3 needs Node; sessions are read from the live database.
export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

function handler(request: Request) {
  return getAuthRouteHandler()(request);
}

export { handler as GET, handler as POST };
