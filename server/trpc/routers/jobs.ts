import { z } from 'zod';
import { backupJobInputSchema, scheduleSchema } from '../../schemas/operations';
import {
  createBackupJob,
  deleteBackupJob,
  getBackupJob,
  listBackupJobs,
  previewSchedule,
  runBackupJobNow,
  setBackupJobEnabled,
  updateBackupJob,
} from '../../services/backup-job-service';
import { publicProcedure, router } from '../init';

const jobIdInput = z.object({ id: z.string().trim().min(1, 'Choose a backup job') });

export const updateBackupJobInputSchema = z.object({
  id: z.string().trim().min(1, 'Choose a backup job'),
  job: backupJobInputSchema,
});

export const setBackupJobEnabledInputSchema = z.object({
  id: z.string().trim().min(1, 'Choose a backup job'),
  isEnabled: z.boolean({ error: 'Say whether the job is enabled' }),
});

export const schedulePreviewInputSchema = scheduleSchema.extend({
  count: z
    .int({ error: 'The number of runs is a whole number' })
    .min(1, 'Show at least 1 run')
    .max(50, 'Show at most 50 runs')
    .default(5),
});

export const jobsRouter = router({
  list: publicProcedure.query(({ ctx }) => listBackupJobs(ctx.stores, ctx.service)),
  get: publicProcedure
    .input(jobIdInput)
    .query(({ ctx, input }) => getBackupJob(ctx.stores, ctx.service, input.id)),
  create: publicProcedure
    .input(backupJobInputSchema)
    .mutation(({ ctx, input }) => createBackupJob(ctx.stores, ctx.service, input)),
  update: publicProcedure
    .input(updateBackupJobInputSchema)
    .mutation(({ ctx, input }) => updateBackupJob(ctx.stores, ctx.service, input.id, input.job)),
  setEnabled: publicProcedure
    .input(setBackupJobEnabledInputSchema)
    .mutation(({ ctx, input }) => setBackupJobEnabled(ctx.stores, ctx.service, input.id, input.isEnabled)),
  delete: publicProcedure.input(jobIdInput).mutation(async ({ ctx, input }) => {
    await deleteBackupJob(ctx.stores, input.id);
    return { id: input.id };
  }),
  runNow: publicProcedure
    .input(jobIdInput)
    .mutation(({ ctx, input }) => runBackupJobNow(ctx.stores, ctx.service, input.id)),
  previewSchedule: publicProcedure
    .input(schedulePreviewInputSchema)
    .query(({ ctx, input }) => previewSchedule(ctx.service, input)),
});
