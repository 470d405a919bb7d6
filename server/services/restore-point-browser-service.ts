/**
 * The restore-point browser (issue 4 §3): the catalogue filtered by VM, host, method,
 * consistency and date range, sorted newest or oldest first, keyset-paged in SQL. Every filter
 * has a (filter, created_at, id) index (db/schema-operations.ts), which SQLite walks forwards or
 * backwards, so both orders cost the same on page 1 and page 20,000 of a million points.
 *
 * Also answers what a deletion would mean for the VM (is it its only point?), so the
 * confirmation can say so before anything is deleted.
 */
import { z } from 'zod';
import type { Page, Stores } from '../../db/stores/ports';
import type { PointDeletionImpact, RestorePointBrowseItem } from '../../db/stores/ports/restore-point-store';
import { BACKUP_METHODS, CONSISTENCY_LEVELS } from '../engine/types';
import { RESTORE_POINT_SORTS } from '../schemas/wizard';
import { notFound } from './errors';
import { parseInput } from './parse-input';

export { RESTORE_POINT_SORTS, type RestorePointSort } from '../schemas/wizard';

const optionalId = z.string().trim().min(1).max(200).optional();

export const restorePointBrowseInputSchema = z
  .object({
    vmId: optionalId,
    hostId: optionalId,
    method: z.enum(BACKUP_METHODS, { error: 'Choose a known backup method' }).optional(),
    consistency: z.enum(CONSISTENCY_LEVELS, { error: 'Choose crash, filesystem or application' }).optional(),
    jobId: optionalId,
    createdFrom: z.coerce.date({ error: 'The start date is not a date' }).optional(),
    createdTo: z.coerce.date({ error: 'The end date is not a date' }).optional(),
    sort: z.enum(RESTORE_POINT_SORTS).default('newest'),
    cursor: z.string().min(1).max(1000).optional(),
    limit: z.int().min(1).max(200).default(50),
  })
  .refine((input) => !input.createdFrom || !input.createdTo || input.createdFrom <= input.createdTo, {
    message: 'The start of the date range is after its end',
    path: ['createdFrom'],
  });
export type RestorePointBrowseInput = z.input<typeof restorePointBrowseInputSchema>;

export type { PointDeletionImpact, RestorePointBrowseItem } from '../../db/stores/ports/restore-point-store';
export type RestorePointBrowsePage = Page<RestorePointBrowseItem>;

export async function browseRestorePoints(
  stores: Stores,
  input: RestorePointBrowseInput = {},
): Promise<RestorePointBrowsePage> {
  return stores.restorePoints.browse(parseInput(restorePointBrowseInputSchema, input));
}

/** What deleting the point would leave behind; read before the confirmation is shown. */
export async function describePointDeletion(stores: Stores, pointId: string): Promise<PointDeletionImpact> {
  const impact = await stores.restorePoints.deletionImpact(pointId);
  if (!impact) throw notFound('Restore point', pointId);
  return impact;
}
