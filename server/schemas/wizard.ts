/**
 * What the backup wizard sends on Create: the request (or job) plus the warnings the operator
 * acknowledged one by one. The server re-plans and refuses the start if any warning of the fresh
 * plan is missing from the list, so an acknowledgement cannot be skipped by calling the API, and a
 * warning that appeared after the review (inventory changed) is not silently accepted.
 *
 * `warningKeyOf` is pure and shared: the review page shows one checkbox per key and the server
 * compares the same keys.
 */
import { z } from 'zod';
import type { Finding } from '../engine/types';
import { backupJobInputSchema, backupRequestSchema } from './operations';

/** Stable identity of a finding within a plan: rule, VM and the objects it names. */
export function warningKeyOf(finding: Pick<Finding, 'ruleId' | 'vmId' | 'objects'>): string {
  const objects = finding.objects.map((object) => `${object.kind}:${object.id}`).join(',');
  return `${finding.ruleId}|${finding.vmId ?? '*'}|${objects}`;
}

export const acknowledgedWarningsSchema = z
  .array(z.string().min(1).max(2000), { error: 'List the acknowledged warnings' })
  .max(20_000, 'Too many acknowledgements');

export const startBackupInputSchema = z.object({
  request: backupRequestSchema,
  acknowledgedWarnings: acknowledgedWarningsSchema,
});
export type StartBackupFormValues = z.input<typeof startBackupInputSchema>;

export const createBackupJobInputSchema = z.object({
  job: backupJobInputSchema,
  acknowledgedWarnings: acknowledgedWarningsSchema,
});
export type CreateBackupJobFormValues = z.input<typeof createBackupJobInputSchema>;

/** Orders of the restore-point browser (both walk the (filter, created_at, id) indexes). */
export const RESTORE_POINT_SORTS = ['newest', 'oldest'] as const;
export type RestorePointSort = (typeof RESTORE_POINT_SORTS)[number];
