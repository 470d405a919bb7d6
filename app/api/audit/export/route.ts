import { auditCsvResponse } from '@/server/trpc/audit-export';
import { createContext } from '@/server/trpc/init';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** The audit entries matching the audit page's filters, as CSV. */
export async function GET(request: Request) {
  return auditCsvResponse(request, await createContext(request));
}
