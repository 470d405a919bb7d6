/** Scheduled runs of a backup job missed while Migawka was down, told to the operator. */
import type { Stores } from '../../db/stores/ports';
import type { JobRecord } from '../../db/stores/ports/job-store';
import type { ServiceContext } from '../context';
import type { MissedRunDecision } from '../engine/schedule';
import { recordAudit } from './audit-service';

/**
 * Runs missed while Migawka was down, told where an operator looks: the audit trail (by the
 * scheduler that claimed the job's checkpoint, so once) and the log. Under `skip` nothing runs
 * for them, and without this nothing anywhere would say that a night's backup never happened.
 */
export async function tellMissedRuns(
  stores: Stores,
  ctx: ServiceContext,
  job: JobRecord,
  decision: MissedRunDecision,
  /** Why the catch-up run could not start (it was recorded failed, or not created); null: queued. */
  catchUpRefusal: string[] | null,
): Promise<void> {
  const { missed } = decision;
  const count = `${decision.hasMoreMissed ? 'more than ' : ''}${missed.length}`;
  const span =
    missed.length === 1 ? `at ${iso(missed[0])}` : `from ${iso(missed[0])} to ${iso(missed.at(-1))}`;
  const outcome =
    job.missedRunPolicy === 'skip'
      ? 'skipped, as the job asks'
      : catchUpRefusal === null
        ? 'one catch-up run queued'
        : `the catch-up run could not start: ${catchUpRefusal.join('; ')}`;
  const message = `${count} scheduled run${missed.length === 1 ? '' : 's'} of backup job "${job.name}" ${missed.length === 1 ? 'was' : 'were'} missed while Migawka was down (${span}, ${job.timeZone} schedule): ${outcome}`;
  ctx.log.warn({ jobId: job.id, missed: missed.length, policy: job.missedRunPolicy }, message);
  try {
    await recordAudit(stores, ctx, {
      action: 'jobs.missed-runs',
      objects: [{ kind: 'job', id: job.id, name: job.name }],
      // The scheduled runs did not happen, whatever follows: a queued catch-up has backed nothing
      // up yet (its own operation says how it ends), and one catch-up stands for several nights.
      outcome: 'failed',
      message,
    });
  } catch (error) {
    // The run (or the skip) is claimed already; a trail that cannot be written must not undo it.
    ctx.log.error({ jobId: job.id, err: error }, 'missed runs could not be recorded in the audit trail');
  }
}

const iso = (date: Date | undefined) => date?.toISOString() ?? '';
