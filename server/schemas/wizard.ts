/**
 * What the wizards send to start what was reviewed: the request (or job), the warnings the operator
 * acknowledged one by one, and the fingerprint the review returned with the plan. The server makes
 * the plan again from the same estate and refuses the start if the estate changed since the review
 * (so a warning that appeared afterwards is not silently accepted) or if any warning of that plan
 * is missing from the list (so an acknowledgement cannot be skipped by calling the API).
 *
 * `warningKeyOf` is pure and shared: the review page shows one checkbox per key and the server
 * compares the same keys.
 */
import { z } from 'zod';
import type { Finding } from '../engine/types';
import { loadedUpdatedAtInput } from './jobs';
import { backupJobInput, backupRequestInput, restoreRequestInput } from './operations';

/** Stable identity of a finding within a plan: rule, VM and the objects it names. */
export function warningKeyOf(finding: Pick<Finding, 'ruleId' | 'vmId' | 'objects'>): string {
  const objects = finding.objects.map((object) => `${object.kind}:${object.id}`).join(',');
  return `${finding.ruleId}|${finding.vmId ?? '*'}|${objects}`;
}

export const acknowledgedWarningsInput = z
  .array(z.string().min(1).max(2000), { error: 'List the acknowledged warnings' })
  .max(20_000, 'Too many acknowledgements');

/**
 * The fingerprint the review returned: the start runs the reviewed plan, or is refused when the
 * estate changed since (a SHA-256 in hex of what the plan was made from).
 */
export const planFingerprintInput = z
  .string({ error: 'Review the plan before starting it' })
  .regex(
    /^[0-9a-f]{64}$/,
    'Review the plan before starting it: the plan fingerprint is not one the review gives',
  );

export const startBackupInput = z.object({
  request: backupRequestInput,
  acknowledgedWarnings: acknowledgedWarningsInput,
  fingerprint: planFingerprintInput,
});
export type StartBackupInput = z.input<typeof startBackupInput>;

export const createBackupJobInput = z.object({
  job: backupJobInput,
  acknowledgedWarnings: acknowledgedWarningsInput,
  fingerprint: planFingerprintInput,
});
export type CreateBackupJobInput = z.input<typeof createBackupJobInput>;

/**
 * The wizard's "Save changes" on an existing job: every field the wizard sets, re-reviewed as a
 * new job is (the same schema, the same acknowledgements, the same fingerprint check), with the
 * `updatedAt` the wizard loaded the job at (refused when the job was saved since).
 */
export const updateReviewedBackupJobInput = createBackupJobInput.extend({
  id: z.string().trim().min(1, 'Choose a backup job'),
  loadedUpdatedAt: loadedUpdatedAtInput,
});
export type UpdateReviewedBackupJobInput = z.input<typeof updateReviewedBackupJobInput>;

/** What the restore wizard sends on Run: the request (its typed confirmation inside) and the preview's fingerprint. */
export const startRestoreInput = z.object({
  request: restoreRequestInput,
  fingerprint: planFingerprintInput,
});
export type StartRestoreInput = z.input<typeof startRestoreInput>;

/** Orders of the restore-point browser (both walk the (filter, created_at, id) indexes). */
export const RESTORE_POINT_SORTS = ['newest', 'oldest'] as const;
export type RestorePointSort = (typeof RESTORE_POINT_SORTS)[number];
