/** The JobStore on SQLite: the scheduled-run claim and its enqueue share one BEGIN IMMEDIATE transaction. */
import { and, asc, desc, eq, getTableColumns, isNotNull, isNull, lte, or, sql } from 'drizzle-orm';
import { nameKeyOf } from '../../../server/engine/name-keys';
import type { Db } from '../../client';
import { backupJobs, operations } from '../../schema';
import type {
  JobChanges,
  JobLastOperation,
  JobRecord,
  JobStore,
  NewJob,
  ScheduledRun,
} from '../ports/job-store';
import { likeContains } from './keyset';
import { writingName } from './name-keys';
import { enqueueIn, recordBlockedIn } from './operation-enqueue';
import { inTransaction } from './transaction';

/** Every column but the name key, which only the store reads (JobRecord). */
const { nameKey: _nameKey, ...JOB_COLUMNS } = getTableColumns(backupJobs);

export class SqliteJobStore implements JobStore {
  constructor(private readonly db: Db) {}

  async create(job: NewJob): Promise<JobRecord> {
    return writingName(this.db, 'backup_jobs', backupJobs, job.name, () =>
      this.db
        .insert(backupJobs)
        .values({ ...job, nameKey: nameKeyOf(job.name), updatedBy: job.updatedBy ?? job.createdBy })
        .returning(JOB_COLUMNS)
        .get(),
    );
  }

  async update(id: string, changes: JobChanges, readAt?: Date): Promise<JobRecord | null> {
    const unchanged = readAt ? eq(backupJobs.updatedAt, readAt) : undefined;
    const write = () =>
      this.db
        .update(backupJobs)
        // Later than the last change even within one millisecond: `readAt` tells every save apart.
        .set({
          ...changes,
          ...(changes.name === undefined ? {} : { nameKey: nameKeyOf(changes.name) }),
          updatedAt: sql`max(${changes.updatedAt.getTime()}, ${backupJobs.updatedAt} + 1)`,
        })
        .where(and(eq(backupJobs.id, id), unchanged))
        .returning(JOB_COLUMNS)
        .get() ?? null;
    return changes.name === undefined
      ? write()
      : writingName(this.db, 'backup_jobs', backupJobs, changes.name, write);
  }

  async delete(id: string): Promise<boolean> {
    return (
      this.db.delete(backupJobs).where(eq(backupJobs.id, id)).returning({ id: backupJobs.id }).get() !==
      undefined
    );
  }

  async get(id: string) {
    return this.db.select(JOB_COLUMNS).from(backupJobs).where(eq(backupJobs.id, id)).get() ?? null;
  }

  async list() {
    return this.db.select(JOB_COLUMNS).from(backupJobs).orderBy(asc(backupJobs.name)).all();
  }

  async search(text: string, limit: number) {
    return this.db
      .select(JOB_COLUMNS)
      .from(backupJobs)
      .where(likeContains(backupJobs.name, text))
      .orderBy(asc(backupJobs.name))
      .limit(limit)
      .all();
  }

  async lastOperations(jobIds: string[]) {
    const result = new Map<string, JobLastOperation>();
    for (const jobId of jobIds) {
      // One indexed probe per job (operations_job_created_idx): jobs are few, operations many.
      const last = this.db
        .select({
          id: operations.id,
          status: operations.status,
          createdAt: operations.createdAt,
          finishedAt: operations.finishedAt,
          error: operations.error,
          warnings: operations.warningsJson,
        })
        .from(operations)
        .where(eq(operations.jobId, jobId))
        .orderBy(desc(operations.createdAt), desc(operations.id))
        .limit(1)
        .get();
      if (last) result.set(jobId, last);
    }
    return result;
  }

  async due(now: Date) {
    return this.db
      .select(JOB_COLUMNS)
      .from(backupJobs)
      .where(
        and(
          eq(backupJobs.isEnabled, true),
          isNotNull(backupJobs.cron),
          or(isNull(backupJobs.nextRunAt), lte(backupJobs.nextRunAt, now)),
        ),
      )
      .all();
  }

  async claimScheduledRun(claim: ScheduledRun) {
    return inTransaction(this.db, (tx, events) => {
      const claimed = tx
        .update(backupJobs)
        .set({ lastScheduledAt: claim.lastScheduledAt, nextRunAt: claim.nextRunAt })
        .where(
          and(
            eq(backupJobs.id, claim.jobId),
            claim.expectedLastScheduledAt === null
              ? isNull(backupJobs.lastScheduledAt)
              : eq(backupJobs.lastScheduledAt, claim.expectedLastScheduledAt),
            eq(backupJobs.updatedAt, claim.expectedUpdatedAt),
          ),
        )
        .returning({ id: backupJobs.id })
        .get();
      if (!claimed) return null;
      const { run } = claim;
      if (!run) return { operation: null };
      const operation =
        run.kind === 'enqueue'
          ? enqueueIn(tx, events, run.plan, run.request, run.options)
          : recordBlockedIn(tx, events, run.plan, run.request, run.options);
      return { operation };
    });
  }
}
