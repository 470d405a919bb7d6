import { healthResponse } from '@/server/trpc/health';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** Ready once the database opens, is migrated, and answers a query. */
export async function GET() {
  return healthResponse();
}
