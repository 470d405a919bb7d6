/**
 * Backup jobs: a saved BackupRequest with a cron schedule (time zone aware), a missed-run
 * policy, GFS retention (applied by the run's last step) and an RPO. The scheduler tick
 * (`runDueBackupJobs`, called by the worker) starts due runs; a job is claimed by a conditional
 * update first, so two processes ticking at once never start the same run twice.
 */
import { randomUUID } from 'node:crypto';
import { and, asc, desc, eq, isNotNull, isNull, lte, or } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { backupJobs, operations } from '../../db/schema';
import { decideMissedRuns, describeSchedule, nextRuns } from '../engine/schedule';
import type { RetentionPolicy } from '../engine/step-params';
import {
  type BackupJobFormValues,
  type BackupRequest,
  backupJobInputSchema,
  type ScheduleFormValues,
  scheduleSchema,
} from '../schemas/operations';
import { DomainError, notFound } from './errors';
import {
  type ServiceClock,
  type StartedOperation,
  startBackup,
  startScheduledBackup,
} from './operations-service';
import { parseInput } from './parse-input';

type JobRow = typeof backupJobs.$inferSelect;

export interface BackupJobView {
  id: string;
  name: string;
  request: BackupRequest;
  schedule: { cron: string; timeZone: string; description: string } | null;
  timeZone: string;
  missedRunPolicy: JobRow['missedRunPolicy'];
  retention: RetentionPolicy;
  rpoHours: number;
  isEnabled: boolean;
  lastScheduledAt: Date | null;
  nextRunAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  lastOperation: { id: string; status: string; createdAt: Date; finishedAt: Date | null } | null;
}

const defaultNow = () => new Date();

function viewOf(db: Db, row: JobRow, now: Date): BackupJobView {
  const last = db
    .select({
      id: operations.id,
      status: operations.status,
      createdAt: operations.createdAt,
      finishedAt: operations.finishedAt,
    })
    .from(operations)
    .where(eq(operations.jobId, row.id))
    .orderBy(desc(operations.createdAt), desc(operations.id))
    .limit(1)
    .get();
  return {
    id: row.id,
    name: row.name,
    request: row.requestJson as unknown as BackupRequest,
    schedule: row.cron
      ? { cron: row.cron, timeZone: row.timeZone, description: describeSchedule(row.cron, row.timeZone, now) }
      : null,
    timeZone: row.timeZone,
    missedRunPolicy: row.missedRunPolicy,
    retention: row.retentionJson as unknown as RetentionPolicy,
    rpoHours: row.rpoHours,
    isEnabled: row.isEnabled,
    lastScheduledAt: row.lastScheduledAt,
    nextRunAt: row.nextRunAt,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    lastOperation: last ?? null,
  };
}

function nextRunOf(cron: string | null, timeZone: string, isEnabled: boolean, from: Date): Date | null {
  if (!cron || !isEnabled) return null;
  return nextRuns(cron, timeZone, from, 1)[0] ?? null;
}

function requireJob(db: Db, id: string): JobRow {
  const row = db.select().from(backupJobs).where(eq(backupJobs.id, id)).get();
  if (!row) throw notFound('Backup job', id);
  return row;
}

function assertUniqueName(db: Db, name: string, exceptId: string | null): void {
  const clash = db.select({ id: backupJobs.id }).from(backupJobs).where(eq(backupJobs.name, name)).get();
  if (clash && clash.id !== exceptId) {
    throw new DomainError('CONFLICT', `A backup job named "${name}" already exists`, [
      { path: 'name', message: `A backup job named "${name}" already exists` },
    ]);
  }
}

export function createBackupJob(db: Db, input: BackupJobFormValues, clock: ServiceClock = {}): BackupJobView {
  const job = parseInput(backupJobInputSchema, input);
  const now = (clock.now ?? defaultNow)();
  assertUniqueName(db, job.name, null);
  const timeZone = job.schedule?.timeZone ?? 'UTC';
  const row = db
    .insert(backupJobs)
    .values({
      id: `job-${(clock.newId ?? randomUUID)()}`,
      name: job.name,
      requestJson: job.request as unknown as Record<string, unknown>,
      cron: job.schedule?.cron ?? null,
      timeZone,
      missedRunPolicy: job.missedRunPolicy,
      retentionJson: job.retention as unknown as Record<string, unknown>,
      rpoHours: job.rpoHours,
      isEnabled: job.isEnabled,
      // The schedule starts now: runs before creation are not "missed".
      lastScheduledAt: now,
      nextRunAt: nextRunOf(job.schedule?.cron ?? null, timeZone, job.isEnabled, now),
      createdAt: now,
      updatedAt: now,
    })
    .returning()
    .get();
  return viewOf(db, row, now);
}

export function updateBackupJob(
  db: Db,
  id: string,
  input: BackupJobFormValues,
  clock: ServiceClock = {},
): BackupJobView {
  const existing = requireJob(db, id);
  const job = parseInput(backupJobInputSchema, input);
  const now = (clock.now ?? defaultNow)();
  assertUniqueName(db, job.name, id);
  const timeZone = job.schedule?.timeZone ?? 'UTC';
  const isScheduleChanged = existing.cron !== (job.schedule?.cron ?? null) || existing.timeZone !== timeZone;
  const row = db
    .update(backupJobs)
    .set({
      name: job.name,
      requestJson: job.request as unknown as Record<string, unknown>,
      cron: job.schedule?.cron ?? null,
      timeZone,
      missedRunPolicy: job.missedRunPolicy,
      retentionJson: job.retention as unknown as Record<string, unknown>,
      rpoHours: job.rpoHours,
      isEnabled: job.isEnabled,
      // A new schedule starts now; past times of the old one are not missed runs of the new one.
      lastScheduledAt:
        isScheduleChanged || (!existing.isEnabled && job.isEnabled) ? now : existing.lastScheduledAt,
      nextRunAt: nextRunOf(job.schedule?.cron ?? null, timeZone, job.isEnabled, now),
      updatedAt: now,
    })
    .where(eq(backupJobs.id, id))
    .returning()
    .get();
  return viewOf(db, row, now);
}

export function setBackupJobEnabled(
  db: Db,
  id: string,
  isEnabled: boolean,
  clock: ServiceClock = {},
): BackupJobView {
  const existing = requireJob(db, id);
  const now = (clock.now ?? defaultNow)();
  const row = db
    .update(backupJobs)
    .set({
      isEnabled,
      // Re-enabling starts the schedule afresh: the disabled period is not "missed".
      lastScheduledAt: isEnabled && !existing.isEnabled ? now : existing.lastScheduledAt,
      nextRunAt: nextRunOf(existing.cron, existing.timeZone, isEnabled, now),
      updatedAt: now,
    })
    .where(eq(backupJobs.id, id))
    .returning()
    .get();
  return viewOf(db, row, now);
}

/** Deletes the job; its past operations and restore points stay (their job id becomes null). */
export function deleteBackupJob(db: Db, id: string): void {
  requireJob(db, id);
  db.delete(backupJobs).where(eq(backupJobs.id, id)).run();
}

export function listBackupJobs(db: Db, clock: ServiceClock = {}): BackupJobView[] {
  const now = (clock.now ?? defaultNow)();
  return db
    .select()
    .from(backupJobs)
    .orderBy(asc(backupJobs.name))
    .all()
    .map((row) => viewOf(db, row, now));
}

export function getBackupJob(db: Db, id: string, clock: ServiceClock = {}): BackupJobView {
  return viewOf(db, requireJob(db, id), (clock.now ?? defaultNow)());
}

/** Runs the job now, outside its schedule (retention applies as for a scheduled run). */
export function runBackupJobNow(db: Db, id: string, clock: ServiceClock = {}): StartedOperation {
  const job = requireJob(db, id);
  return startBackup(db, job.requestJson as never, {
    ...clock,
    job: { id: job.id, retention: job.retentionJson as unknown as RetentionPolicy, timeZone: job.timeZone },
  });
}

/** The next `count` run times of a schedule, and its plain-language description. */
export function previewSchedule(
  input: ScheduleFormValues & { count?: number },
  clock: ServiceClock = {},
): { description: string; nextRuns: Date[] } {
  const schedule = parseInput(scheduleSchema, input);
  const now = (clock.now ?? defaultNow)();
  const count = Math.min(Math.max(input.count ?? 5, 1), 50);
  return {
    description: describeSchedule(schedule.cron, schedule.timeZone, now),
    nextRuns: nextRuns(schedule.cron, schedule.timeZone, now, count),
  };
}

export interface ScheduleTickReport {
  started: { jobId: string; operationId: string }[];
  /** Jobs whose run could not be created (their saved request no longer validates). */
  failed: { jobId: string; error: string }[];
  /** Scheduled times that passed while Migawka was down, per job (the policy decided what to do). */
  missed: { jobId: string; count: number; hasMore: boolean; policy: JobRow['missedRunPolicy'] }[];
}

/** The scheduler tick: start every due job (on time, or once for missed runs under `run-once`). */
export function runDueBackupJobs(db: Db, now: Date): ScheduleTickReport {
  const report: ScheduleTickReport = { started: [], failed: [], missed: [] };
  const due = db
    .select()
    .from(backupJobs)
    .where(
      and(
        eq(backupJobs.isEnabled, true),
        isNotNull(backupJobs.cron),
        or(isNull(backupJobs.nextRunAt), lte(backupJobs.nextRunAt, now)),
      ),
    )
    .all();
  for (const job of due) {
    const decision = decideMissedRuns(
      {
        cron: job.cron as string,
        timeZone: job.timeZone,
        lastScheduledAt: job.lastScheduledAt,
        missedRunPolicy: job.missedRunPolicy,
      },
      now,
    );
    // Claim this tick for the job: only the process whose update matches the old checkpoint runs it.
    const claimed = db
      .update(backupJobs)
      .set({ lastScheduledAt: decision.checkpointAt, nextRunAt: decision.nextAt })
      .where(
        and(
          eq(backupJobs.id, job.id),
          job.lastScheduledAt === null
            ? isNull(backupJobs.lastScheduledAt)
            : eq(backupJobs.lastScheduledAt, job.lastScheduledAt),
        ),
      )
      .returning({ id: backupJobs.id })
      .get();
    if (!claimed) continue;
    if (decision.missed.length > 0) {
      report.missed.push({
        jobId: job.id,
        count: decision.missed.length,
        hasMore: decision.hasMoreMissed,
        policy: job.missedRunPolicy,
      });
    }
    if (decision.runNow)
      report.started.push({ jobId: job.id, operationId: startScheduledBackup(db, job, now) });
  }
  return report;
}
