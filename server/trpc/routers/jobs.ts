import {
  addVmsToJobInput,
  deleteJobInput,
  jobIdInput,
  schedulePreviewInput,
  setBackupJobEnabledInput,
  updateBackupJobInput,
} from '../../schemas/jobs';
import { backupJobInput } from '../../schemas/operations';
import { runOrRequestApproval } from '../../services/approval-service';
import {
  addVmsToJob,
  assertJobDeleteConfirmed,
  createBackupJob,
  deleteBackupJob,
  getBackupJobWithNames,
  listBackupJobs,
  runBackupJobNow,
  setBackupJobEnabled,
} from '../../services/backup-job-service';
import { saveJobEditOrRequestApproval } from '../../services/job-edit-approval';
import { otherChangesOfEditInput, retentionLossOfEdit } from '../../services/retention-change';
import { previewSchedule } from '../../services/schedule-preview';
import { adminProcedure, operatorProcedure, router, viewerProcedure } from '../init';

export const jobsRouter = router({
  list: viewerProcedure.query(({ ctx }) => listBackupJobs(ctx.stores, ctx.service)),
  get: viewerProcedure
    .input(jobIdInput)
    .query(({ ctx, input }) => getBackupJobWithNames(ctx.stores, ctx.service, input.id)),
  create: operatorProcedure
    .input(backupJobInput)
    .mutation(({ ctx, input }) => createBackupJob(ctx.stores, ctx.service, input)),
  /**
   * Refused (CONFLICT) when the job was saved since the caller loaded it at `loadedUpdatedAt`; a
   * second admin approves an edit whose retention deletes points at the next run (four-eyes).
   */
  /** What an edit's retention would delete at the job's next run (the edit wizard's review shows it). */
  retentionLoss: operatorProcedure
    .input(updateBackupJobInput)
    .query(({ ctx, input }) => retentionLossOfEdit(ctx.stores, input, ctx.service.now())),
  /** What else an edit changes, in words (the edit wizard's review lists it before saving). */
  editChanges: operatorProcedure
    .input(updateBackupJobInput)
    .query(({ ctx, input }) => otherChangesOfEditInput(ctx.stores, input, ctx.service.now())),
  update: operatorProcedure
    .input(updateBackupJobInput)
    .mutation(({ ctx, input }) => saveJobEditOrRequestApproval(ctx, input)),
  /** The VM list's bulk "Add to job". */
  addVms: operatorProcedure
    .input(addVmsToJobInput)
    .mutation(({ ctx, input }) => addVmsToJob(ctx.stores, ctx.service, input)),
  setEnabled: operatorProcedure
    .input(setBackupJobEnabledInput)
    .mutation(({ ctx, input }) => setBackupJobEnabled(ctx.stores, ctx.service, input.id, input.isEnabled)),
  /** Deletes the job, or asks a second admin first (four-eyes); confirmed by the job's name typed. */
  delete: adminProcedure.input(deleteJobInput).mutation(async ({ ctx, input }) => {
    await assertJobDeleteConfirmed(ctx.stores, input);
    return runOrRequestApproval(ctx, 'delete-job', { id: input.id }, () =>
      deleteBackupJob(ctx.stores, input.id),
    );
  }),
  runNow: operatorProcedure
    .input(jobIdInput)
    .mutation(({ ctx, input }) => runBackupJobNow(ctx.stores, ctx.service, input.id)),
  previewSchedule: viewerProcedure
    .input(schedulePreviewInput)
    .query(({ ctx, input }) => previewSchedule(ctx.service, input)),
});
