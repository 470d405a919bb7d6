import { createContext } from '@/server/trpc/init';
import { listCsvResponse } from '@/server/trpc/list-export';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** A console list as CSV, with the filters and order the page shows. */
export async function GET(request: Request, { params }: { params: Promise<{ list: string }> }) {
  const { list } = await params;
  return listCsvResponse(request, await createContext(request), list);
}
