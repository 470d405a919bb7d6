/**
 * Inputs of the audit page: its filters (shared with the CSV export, which reads them from the URL)
 * and the keyset pager.
 */
import { z } from 'zod';
import { AUDIT_OUTCOMES } from '../engine/security';

const time = (label: string) => z.coerce.date({ error: `Enter the ${label} as a date and time` }).optional();

export const auditFilterInput = z
  .object({
    actor: z.string().trim().min(1).max(200).optional(),
    action: z.string().trim().max(200, 'The action is longer than 200 characters').optional(),
    outcome: z
      .enum(AUDIT_OUTCOMES, { error: `The outcome is one of: ${AUDIT_OUTCOMES.join(', ')}` })
      .optional(),
    from: time('start'),
    to: time('end'),
  })
  .refine((filter) => !filter.from || !filter.to || filter.from < filter.to, {
    path: ['to'],
    message: 'The end must be after the start',
  });
export type AuditFilterQuery = z.output<typeof auditFilterInput>;

export const auditListInput = z.object({
  filter: auditFilterInput.default({}),
  limit: z.int().min(1).max(200).default(50),
  cursor: z.string().min(1).max(1000).nullish(),
});

/** URL search parameters (the page's and the CSV export's) → filter fields; blanks are unset. */
export function auditFilterFromParams(params: URLSearchParams): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const key of ['actor', 'action', 'outcome', 'from', 'to']) {
    const value = params.get(key)?.trim();
    if (value) fields[key] = value;
  }
  return fields;
}
