/**
 * Why a backup job's change was not saved although nothing was wrong with it: another change
 * was saved first, and writing this one would have overwritten it unseen; or another job has its
 * name. Nothing of it was written.
 */
import type { Stores } from '../../db/stores/ports';
import { DomainError } from './errors';
import { assertNameFree } from './unique-names';

/** A change not saved because another was saved since the job was read: nothing of it was written. */
export class JobChangedMeanwhile extends DomainError {
  constructor(name: string) {
    super(
      'CONFLICT',
      `Backup job "${name}" was changed by someone else while this change was being saved; nothing was saved: open the job again to see their change`,
    );
  }
}

/**
 * An operator's edit not saved because the job was saved since their form loaded it (another
 * edit, an enable/disable, "Add to job"): nothing of it was written. Its field error on
 * `loadedUpdatedAt` lets the wizard tell it from other refusals and keep the operator's edits.
 */
export class JobSavedSinceLoaded extends DomainError {
  constructor(name: string) {
    super(
      'CONFLICT',
      `Backup job "${name}" was saved by someone else since you opened it, so nothing was saved: reopen the job to see their changes, then make yours again`,
      [{ path: 'loadedUpdatedAt', message: 'The job was saved by someone else since you opened it' }],
    );
  }
}

/** Job names are unique regardless of case (unique-names.ts). */
export async function assertUniqueJobName(
  stores: Stores,
  name: string,
  exceptId: string | null,
): Promise<void> {
  assertNameFree(await stores.jobs.list(), name, 'A backup job', exceptId);
}
