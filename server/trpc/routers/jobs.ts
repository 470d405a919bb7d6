import {
  jobIdInput,
  schedulePreviewInput,
  setBackupJobEnabledInput,
  updateBackupJobInput,
} from '../../schemas/jobs';
import { backupJobInput } from '../../schemas/operations';
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

export const jobsRouter = router({
  list: publicProcedure.query(({ ctx }) => listBackupJobs(ctx.stores, ctx.service)),
  get: publicProcedure
    .input(jobIdInput)
    .query(({ ctx, input }) => getBackupJob(ctx.stores, ctx.service, input.id)),
  create: publicProcedure
    .input(backupJobInput)
    .mutation(({ ctx, input }) => createBackupJob(ctx.stores, ctx.service, input)),
  update: publicProcedure
    .input(updateBackupJobInput)
    .mutation(({ ctx, input }) => updateBackupJob(ctx.stores, ctx.service, input.id, input.job)),
  setEnabled: publicProcedure
    .input(setBackupJobEnabledInput)
    .mutation(({ ctx, input }) => setBackupJobEnabled(ctx.stores, ctx.service, input.id, input.isEnabled)),
  delete: publicProcedure.input(jobIdInput).mutation(async ({ ctx, input }) => {
    await deleteBackupJob(ctx.stores, input.id);
    return { id: input.id };
  }),
  runNow: publicProcedure
    .input(jobIdInput)
    .mutation(({ ctx, input }) => runBackupJobNow(ctx.stores, ctx.service, input.id)),
  previewSchedule: publicProcedure
    .input(schedulePreviewInput)
    .query(({ ctx, input }) => previewSchedule(ctx.service, input)),
});
