/**
 * GET /api/audit/export?actor=&action=&outcome=&from=&to= — the audit entries matching the audit
 * page's filters as CSV, newest first, streamed a page at a time (a trail of millions never sits in
 * memory). Invalid filters get 400 naming each field.
 */
import { roleAtLeast } from '../engine/roles';
import { auditFilterFromParams, auditFilterInput } from '../schemas/audit';
import { auditCsv } from '../services/audit-service';
import { csvDownload, invalidRequest } from './csv-response';
import type { Context } from './init';
import { fieldErrorsOf } from './init';

export function auditCsvResponse(request: Request, ctx: Context): Response {
  // The same rule as audit.list: admins only (the trail names every user and address).
  if (!ctx.principal) return new Response('Sign in to use the console\n', { status: 401 });
  if (!roleAtLeast(ctx.principal.role, 'admin')) {
    return new Response('The audit trail needs the Admin role\n', { status: 403 });
  }
  const parsed = auditFilterInput.safeParse(auditFilterFromParams(new URL(request.url).searchParams));
  if (!parsed.success) return invalidRequest('Invalid filter', fieldErrorsOf(parsed.error));
  const day = ctx.service.now().toISOString().slice(0, 10);
  return csvDownload(auditCsv(ctx.stores, parsed.data), `migawka-audit-${day}.csv`);
}
