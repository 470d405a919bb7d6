/**
 * The scheduler tick: every due backup job started once — on time, or once for missed runs under
 * `run-once` — by the worker's scheduler (worker-service.ts), at the worker's clock.
 */
import type { Stores } from '../../db/stores/ports';
import type { JobRecord } from '../../db/stores/ports/job-store';
import type { ServiceContext } from '../context';
import { decideMissedRuns } from '../engine/schedule';
import { DomainError } from './errors';
import { tellMissedRuns } from './missed-runs';
import { type ClaimedScheduledRun, claimScheduledBackup } from './operations-service';

type JobRow = JobRecord;

export interface ScheduleTickReport {
  started: { jobId: string; operationId: string }[];
  /**
   * Jobs whose run could not be written (the database failed): they stay due. A run that could not
   * be planned is not here: it is recorded as a failed operation, in `started`.
   */
  failed: { jobId: string; error: string }[];
  /** Scheduled times that passed while Migawka was down, per job (the policy decided what to do). */
  missed: { jobId: string; count: number; hasMore: boolean; policy: JobRow['missedRunPolicy'] }[];
}

/**
 * The scheduler tick: start every due job (on time, or once for missed runs under `run-once`).
 * Each run is planned first, then claimed and enqueued in one transaction (JobStore
 * claimScheduledRun): a crash in between leaves the job due, a second scheduler finds it claimed.
 * `ctx.actor` is the scheduler (SCHEDULER_ACTOR), recorded as the runs' requester.
 */
export async function runDueBackupJobs(stores: Stores, ctx: ServiceContext): Promise<ScheduleTickReport> {
  const now = ctx.now();
  const report: ScheduleTickReport = { started: [], failed: [], missed: [] };
  for (const job of await stores.jobs.due(now)) {
    const decision = decideMissedRuns(
      {
        cron: job.cron as string,
        timeZone: job.timeZone,
        lastScheduledAt: job.lastScheduledAt,
        missedRunPolicy: job.missedRunPolicy,
      },
      now,
    );
    const checkpoint = { lastScheduledAt: decision.checkpointAt, nextRunAt: decision.nextAt };
    let claimed: ClaimedScheduledRun | null;
    try {
      claimed = await claimScheduledBackup(stores, ctx, job, { ...checkpoint, runNow: decision.runNow });
    } catch (error) {
      // The run could not be written: reported and logged, and the job stays due for the next
      // tick. A refusal (DomainError) would come back on every tick, so its slot is consumed.
      const message = error instanceof Error ? error.message : String(error);
      report.failed.push({ jobId: job.id, error: message });
      ctx.log.error({ jobId: job.id, err: error }, 'scheduled backup run could not be created');
      if (!(error instanceof DomainError)) continue;
      claimed = await claimScheduledBackup(stores, ctx, job, { ...checkpoint, runNow: false });
      if (claimed && decision.runNow) claimed.blockedReasons = [message];
    }
    if (!claimed) continue; // another scheduler took this tick of the job
    if (decision.missed.length > 0) {
      report.missed.push({
        jobId: job.id,
        count: decision.missed.length,
        hasMore: decision.hasMoreMissed,
        policy: job.missedRunPolicy,
      });
      await tellMissedRuns(stores, ctx, job, decision, claimed.blockedReasons);
    }
    if (claimed.operationId) report.started.push({ jobId: job.id, operationId: claimed.operationId });
  }
  return report;
}
