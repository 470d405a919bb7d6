/**
 * Backup jobs: CRUD, the due-run query, and the verb that claims a scheduled run and enqueues
 * its operation in ONE transaction — a crash between the two can neither lose the run (the job
 * stays due) nor run it twice (the checkpoint moved together with the insert).
 *
 * PostgreSQL: `claimScheduledRun` is `UPDATE backup_jobs SET last_scheduled_at = $new, next_run_at
 * = $next WHERE id = $id AND last_scheduled_at IS NOT DISTINCT FROM $expected AND updated_at =
 * $read RETURNING id`, then the operation's inserts, in one transaction; a concurrent scheduler's
 * UPDATE blocks on the row lock and then matches no row.
 */
import type { OperationPlan } from '../../../server/engine/plan-types';
import type { OperationStatus } from '../../../server/engine/statuses';
import type { backupJobs } from '../../schema';
import type { EnqueueOptions, OperationRecord } from './operation-store';

/** The store writes `nameKey` from the name (server/engine/name-keys.ts); no caller gives or reads it. */
export type JobRecord = Omit<typeof backupJobs.$inferSelect, 'nameKey'>;
export type NewJob = Omit<JobRecord, 'updatedBy'> & { updatedBy?: string };
export type JobChanges = Partial<Omit<JobRecord, 'id' | 'createdAt' | 'createdBy'>> & {
  updatedAt: Date;
  updatedBy: string;
};

/** A job's newest run as the jobs list shows it: its status and, in words, why it failed or warned. */
export interface JobLastOperation {
  id: string;
  status: OperationStatus;
  createdAt: Date;
  finishedAt: Date | null;
  error: string | null;
  warnings: string[];
}

export interface ScheduledRun {
  jobId: string;
  /** The job's `lastScheduledAt` this claim was decided from (compare-and-set). */
  expectedLastScheduledAt: Date | null;
  /**
   * The job's `updatedAt` as read when the run was planned: an edit or a disable saved while it
   * was planned (which leaves the checkpoint alone) refuses the claim, so no run starts with the
   * settings the operator just replaced; the next tick decides again from the job as saved.
   */
  expectedUpdatedAt: Date;
  /** The new checkpoint and next run time. */
  lastScheduledAt: Date | null;
  nextRunAt: Date | null;
  /** What to enqueue with the claim: a runnable plan, a blocked one (recorded failed), or nothing. */
  run: {
    kind: 'enqueue' | 'blocked';
    plan: OperationPlan;
    request: Record<string, unknown>;
    options: EnqueueOptions;
  } | null;
}

export interface JobStore {
  create(job: NewJob): Promise<JobRecord>;
  /**
   * Its `updatedAt` becomes the later of `changes.updatedAt` and a millisecond after the last
   * change's, so every save has its own. Null when there is no such job, or when `readAt` is given
   * and the job's `updatedAt` is no longer that (another change was saved since the caller read
   * it): nothing is written then.
   */
  update(id: string, changes: JobChanges, readAt?: Date): Promise<JobRecord | null>;
  /** Its past operations and points stay (their job id becomes null). False when it did not exist. */
  delete(id: string): Promise<boolean>;
  get(id: string): Promise<JobRecord | null>;
  /** By name. */
  list(): Promise<JobRecord[]>;
  /** Jobs whose name holds `text` (case-insensitive, LIKE wildcards taken literally), by name. */
  search(text: string, limit: number): Promise<JobRecord[]>;
  /** The newest operation of each of these jobs, with why it failed or warned. */
  lastOperations(jobIds: string[]): Promise<Map<string, JobLastOperation>>;
  /** Enabled, scheduled jobs whose next run time has come (or was never computed). */
  due(now: Date): Promise<JobRecord[]>;
  /**
   * Moves the job's checkpoint if it still is `expectedLastScheduledAt` and the job was not
   * saved since `expectedUpdatedAt` and, in the same transaction, enqueues (or records blocked)
   * the run. Null when another scheduler claimed it first or the job changed meanwhile; if the
   * enqueue fails, nothing is written and the error is thrown.
   */
  claimScheduledRun(claim: ScheduledRun): Promise<{ operation: OperationRecord | null } | null>;
}
