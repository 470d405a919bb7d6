/** The job wizard's and job page's schedule preview (`jobs.previewSchedule`). */
import type { ServiceContext } from '../context';
import { describeSchedule, describeScheduleRpoGap, nextRuns } from '../engine/schedule';
import { type ScheduleInput, scheduleInput } from '../schemas/operations';
import { parseInput } from './parse-input';

/**
 * The next `count` run times of a schedule, its plain-language description, and, given the job's
 * RPO, a warning when the schedule's longest gap between runs exceeds it.
 */
export function previewSchedule(
  ctx: ServiceContext,
  input: ScheduleInput & { count?: number; rpoHours?: number },
): { description: string; nextRuns: Date[]; rpoWarning: string | null } {
  const schedule = parseInput(scheduleInput, input);
  const now = ctx.now();
  const count = Math.min(Math.max(input.count ?? 5, 1), 50);
  const rpoHours = typeof input.rpoHours === 'number' && input.rpoHours > 0 ? input.rpoHours : null;
  return {
    description: describeSchedule(schedule.cron, schedule.timeZone, now),
    nextRuns: nextRuns(schedule.cron, schedule.timeZone, now, count),
    rpoWarning:
      rpoHours === null ? null : describeScheduleRpoGap(schedule.cron, schedule.timeZone, rpoHours, now),
  };
}
