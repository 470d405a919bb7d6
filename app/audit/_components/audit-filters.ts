import { pickEnum } from '@/app/_lib/list-url';
import { AUDIT_OUTCOMES } from '@/server/engine/security';

/**
 * The audit page's filters as the URL holds them. Times are `datetime-local` values (the browser's
 * time zone); `toQueryFilter` turns them into instants for the server and the CSV export.
 */
export interface AuditUrlFilters {
  actor: string | undefined;
  action: string | undefined;
  outcome: (typeof AUDIT_OUTCOMES)[number] | undefined;
  from: string | undefined;
  to: string | undefined;
}

export function readAuditFilters(params: URLSearchParams): AuditUrlFilters {
  return {
    actor: params.get('actor') || undefined,
    action: params.get('action') || undefined,
    outcome: pickEnum(params.get('outcome'), AUDIT_OUTCOMES),
    from: params.get('from') || undefined,
    to: params.get('to') || undefined,
  };
}

function instant(local: string | undefined): Date | undefined {
  if (!local) return undefined;
  const date = new Date(local);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

export function toQueryFilter(filters: AuditUrlFilters) {
  return {
    actor: filters.actor,
    action: filters.action,
    outcome: filters.outcome,
    from: instant(filters.from),
    to: instant(filters.to),
  };
}

/** The CSV export's URL for the same filters (times as ISO instants). */
export function exportHref(filters: AuditUrlFilters): string {
  const query = toQueryFilter(filters);
  const params = new URLSearchParams();
  if (query.actor) params.set('actor', query.actor);
  if (query.action) params.set('action', query.action);
  if (query.outcome) params.set('outcome', query.outcome);
  if (query.from) params.set('from', query.from.toISOString());
  if (query.to) params.set('to', query.to.toISOString());
  const text = params.toString();
  return `/api/audit/export${text ? `?${text}` : ''}`;
}
