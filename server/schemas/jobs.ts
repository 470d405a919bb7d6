/** What the backup job procedures take besides a job's settings (operations.ts): its id, an update, enable/disable, a schedule preview. */
import { z } from 'zod';
import { typedConfirmation } from './confirmation';
import { backupJobInput, scheduleInput } from './operations';

const jobId = z.string().trim().min(1, 'Choose a backup job');

export const jobIdInput = z.object({ id: jobId });
export type JobIdInput = z.input<typeof jobIdInput>;

/** Deleting a job: its id and its name typed. */
export const deleteJobInput = z.object({ id: jobId, confirmation: typedConfirmation });

/**
 * The job's `updatedAt` as the operator's form loaded it (`jobs.get`), as a Date (superjson) or
 * ISO text. The save is refused with CONFLICT when the job was saved since (another edit, an
 * enable/disable, "Add to job"), so an edit made over minutes never overwrites theirs unseen.
 */
export const loadedUpdatedAtInput = z
  .union([z.date(), z.iso.datetime({ offset: true })], {
    error: 'Open the job again: the version of it you loaded (its updatedAt) is missing or not a date',
  })
  .transform((value) => new Date(value));

export const updateBackupJobInput = z.object({
  id: jobId,
  job: backupJobInput,
  loadedUpdatedAt: loadedUpdatedAtInput,
});
export type UpdateBackupJobInput = z.input<typeof updateBackupJobInput>;

export const setBackupJobEnabledInput = z.object({
  id: jobId,
  isEnabled: z.boolean({ error: 'Say whether the job is enabled' }),
});
export type SetBackupJobEnabledInput = z.input<typeof setBackupJobEnabledInput>;

export const schedulePreviewInput = scheduleInput.extend({
  count: z
    .int({ error: 'The number of runs is a whole number' })
    .min(1, 'Show at least 1 run')
    .max(50, 'Show at most 50 runs')
    .default(5),
  /** The job's RPO: the preview then says whether the schedule's longest gap exceeds it. */
  rpoHours: z
    .number({ error: 'The RPO is a number of hours' })
    .positive('The RPO must be more than 0 hours')
    .max(8760, 'The RPO must be at most 8760 hours (one year)')
    .optional(),
});
export type SchedulePreviewInput = z.input<typeof schedulePreviewInput>;

/** The VM list's bulk "Add to job": VMs joined to a job that backs up a list of VMs. */
export const addVmsToJobInput = z.object({
  id: jobId,
  vmIds: z
    .array(z.string().trim().min(1, 'Choose a VM'))
    .min(1, 'Choose at least one VM')
    .max(1000, 'Add at most 1,000 VMs at a time'),
});
export type AddVmsToJobInput = z.input<typeof addVmsToJobInput>;
