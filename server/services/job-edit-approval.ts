/**
 * Saving an edited backup job (the wizard's edit, `jobs.update`): at once when its retention keeps
 * every point the job has that the saved retention keeps, else as a four-eyes request
 * (`tighten-retention`, retention-change.ts): the next run would delete those points, which an
 * operator may not do alone any more than delete them by hand.
 */
import { type UpdateBackupJobInput, updateBackupJobInput } from '../schemas/jobs';
import type { UpdateReviewedBackupJobInput } from '../schemas/wizard';
import { type ApprovalContext, type ApprovalRequested, runOrRequestApproval } from './approval-service';
import {
  assertJobEditSavable,
  type BackupJobView,
  requireJobAsLoaded,
  updateBackupJob,
} from './backup-job-service';
import { reviewedJobEdit } from './backup-wizard-service';
import { parseInput } from './parse-input';
import { isRetentionKept, retentionLossOfEdit } from './retention-change';

export async function saveJobEditOrRequestApproval(
  env: ApprovalContext,
  edit: UpdateBackupJobInput,
): Promise<BackupJobView | ApprovalRequested> {
  const save = () => updateBackupJob(env.stores, env.service, edit);
  if (isRetentionKept(await retentionLossOfEdit(env.stores, edit, env.service.now()))) return save();
  // Refused now what the save would refuse (a name taken, a scope that cannot run, scripts the
  // requester may not write), not on approval: the approved save runs as the approver.
  const { id, job, loadedUpdatedAt } = parseInput(updateBackupJobInput, edit);
  await assertJobEditSavable(
    env.stores,
    env.service,
    await requireJobAsLoaded(env.stores, id, loadedUpdatedAt),
    job,
  );
  return runOrRequestApproval(env, 'tighten-retention', edit, save);
}

/** The wizard's edit: reviewed as a new job is (warnings acknowledged), then saved or sent for approval. */
export async function saveReviewedJobEditOrRequestApproval(
  env: ApprovalContext,
  input: UpdateReviewedBackupJobInput,
): Promise<BackupJobView | ApprovalRequested> {
  return saveJobEditOrRequestApproval(env, await reviewedJobEdit(env.stores, env.service, input));
}
