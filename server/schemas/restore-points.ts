/** The restore-point browser's filters, order and cursor, and the id of one point. */
import { z } from 'zod';
import { BACKUP_METHODS, CONSISTENCY_LEVELS } from '../engine/types';
import { typedConfirmation } from './confirmation';
import { RESTORE_POINT_SORTS } from './wizard';

const optionalId = z.string().trim().min(1).max(200).optional();

export const restorePointBrowseQueryInput = z
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
export type RestorePointBrowseQueryInput = z.input<typeof restorePointBrowseQueryInput>;

/** Deleting a restore point: its id and its VM and time typed ("sql01 2026-12-05 10:00:03 UTC"). */
export const deletePointInput = z.object({
  id: z.string().trim().min(1, 'Choose a restore point').max(200),
  confirmation: typedConfirmation,
});
