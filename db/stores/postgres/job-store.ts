/**
 * The JobStore on PostgreSQL. `claimScheduledRun` is a compare-and-set on the job row (`UPDATE …
 * WHERE last_scheduled_at IS NOT DISTINCT FROM $expected`) followed by the operation's inserts, in
 * one transaction: a concurrent scheduler on another node blocks on the row lock, then matches no
 * row — each due run is enqueued exactly once however many nodes schedule.
 */
import { and, asc, desc, eq, getTableColumns, isNotNull, isNull, lte, or, sql } from 'drizzle-orm';
import { nameKeyOf } from '../../../server/engine/name-keys';
import type { PgDb } from '../../pg/client';
import { backupJobs, operations } from '../../pg/schema';
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
import { inPgTransaction } from './transaction';

/** Every column but the name key, which only the store reads (JobRecord). */
const { nameKey: _nameKey, ...JOB_COLUMNS } = getTableColumns(backupJobs);

export class PgJobStore implements JobStore {
  constructor(private readonly db: PgDb) {}

  async create(job: NewJob): Promise<JobRecord> {
    return writingName(this.db, 'backup_jobs', backupJobs, job.name, async () => {
      const [row] = await this.db
        .insert(backupJobs)
        .values({ ...job, nameKey: nameKeyOf(job.name), updatedBy: job.updatedBy ?? job.createdBy })
        .returning(JOB_COLUMNS);
      return row as JobRecord;
    });
  }

  async update(id: string, changes: JobChanges, readAt?: Date): Promise<JobRecord | null> {
    const unchanged = readAt ? eq(backupJobs.updatedAt, readAt) : undefined;
    const write = async () => {
      const [row] = await this.db
        .update(backupJobs)
        // Later than the last change even within one millisecond: `readAt` tells every save apart.
        .set({
          ...changes,
          ...(changes.name === undefined ? {} : { nameKey: nameKeyOf(changes.name) }),
          updatedAt: sql`greatest(${changes.updatedAt.toISOString()}::timestamptz, ${backupJobs.updatedAt} + interval '1 millisecond')`,
        })
        .where(and(eq(backupJobs.id, id), unchanged))
        .returning(JOB_COLUMNS);
      return row ?? null;
    };
    return changes.name === undefined
      ? write()
      : writingName(this.db, 'backup_jobs', backupJobs, changes.name, write);
  }

  async delete(id: string): Promise<boolean> {
    const rows = await this.db
      .delete(backupJobs)
      .where(eq(backupJobs.id, id))
      .returning({ id: backupJobs.id });
    return rows.length > 0;
  }

  async get(id: string) {
    const [row] = await this.db.select(JOB_COLUMNS).from(backupJobs).where(eq(backupJobs.id, id));
    return row ?? null;
  }

  async list() {
    return this.db.select(JOB_COLUMNS).from(backupJobs).orderBy(asc(backupJobs.name));
  }

  async search(text: string, limit: number) {
    return this.db
      .select(JOB_COLUMNS)
      .from(backupJobs)
      .where(likeContains(backupJobs.name, text))
      .orderBy(asc(backupJobs.name))
      .limit(limit);
  }

  async lastOperations(jobIds: string[]) {
    const result = new Map<string, JobLastOperation>();
    for (const jobId of jobIds) {
      // One indexed probe per job (operations_job_created_idx): jobs are few, operations many.
      const [last] = await this.db
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
        .limit(1);
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
      );
  }

  async claimScheduledRun(claim: ScheduledRun) {
    return inPgTransaction(this.db, async (tx, events) => {
      const claimed = await tx
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
        .returning({ id: backupJobs.id });
      if (claimed.length === 0) return null;
      const { run } = claim;
      if (!run) return { operation: null };
      const operation =
        run.kind === 'enqueue'
          ? await enqueueIn(tx, events, run.plan, run.request, run.options)
          : await recordBlockedIn(tx, events, run.plan, run.request, run.options);
      return { operation };
    });
  }
}
