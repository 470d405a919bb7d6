import { backupRequestInput } from '../../schemas/operations';
import { createBackupJobInput, startBackupInput, updateReviewedBackupJobInput } from '../../schemas/wizard';
import {
  createReviewedBackupJob,
  reviewBackup,
  startReviewedBackup,
} from '../../services/backup-wizard-service';
import { saveReviewedJobEditOrRequestApproval } from '../../services/job-edit-approval';
import { operatorProcedure, router, viewerProcedure } from '../init';

/**
 * The backup wizard: review (the plan, findings keyed for acknowledgement), then start once now
 * or save as a scheduled job (or save an edited one). All refuse until every warning of a fresh plan is acknowledged.
 * (Schedule previews come from `jobs.previewSchedule`.)
 */
export const backupsRouter = router({
  review: viewerProcedure
    .input(backupRequestInput)
    .query(({ ctx, input }) => reviewBackup(ctx.stores, ctx.service, input)),
  start: operatorProcedure
    .input(startBackupInput)
    .mutation(({ ctx, input }) => startReviewedBackup(ctx.stores, ctx.service, input)),
  createJob: operatorProcedure
    .input(createBackupJobInput)
    .mutation(({ ctx, input }) => createReviewedBackupJob(ctx.stores, ctx.service, input)),
  /** The wizard's edit of an existing job (`/jobs/<id>/edit`); a second admin approves one whose retention deletes points. */
  updateJob: operatorProcedure
    .input(updateReviewedBackupJobInput)
    .mutation(({ ctx, input }) => saveReviewedJobEditOrRequestApproval(ctx, input)),
});
