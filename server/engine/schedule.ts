/**
 * Backup job schedules: cron expression + IANA time zone, evaluated with croner.
 *
 * Schedules are standard 5-field cron (minute hour day-of-month month day-of-week) or the
 * nicknames @hourly/@daily/@weekly/@monthly/@yearly: a backup every few seconds is never what
 * an operator means, and 5 fields are what every other tool in their life uses.
 *
 * DST (croner's rules, which we keep): a fixed-time schedule ("30 2 * * *") whose time falls in
 * the spring-forward gap runs at the first valid time after it, and runs once on the fall-back
 * night; interval schedules ("*\/15 * * * *") skip the gap and run on both repeated hours.
 *
 * Pure: the clock is always a parameter.
 */
import { Cron } from 'croner';
import cronstrue from 'cronstrue';

export const MISSED_RUN_POLICIES = ['skip', 'run-once'] as const;
export type MissedRunPolicy = (typeof MISSED_RUN_POLICIES)[number];

/** What happens to a run missed while the console was down, as the job page words it. */
export const MISSED_RUN_WORDS: Record<MissedRunPolicy, string> = { skip: 'skipped', 'run-once': 'run once' };

/** How late a scheduled run may be noticed and still count as on time (scheduler tick + jitter). */
export const ON_TIME_GRACE_MS = 5 * 60_000;
/** Missed runs listed at most; a per-minute job down for a month would otherwise list 43,200. */
export const MAX_LISTED_MISSED_RUNS = 1000;

/** The canonical IANA name of `timeZone` ("europe/warsaw" → "Europe/Warsaw"), or null when unknown. */
export function canonicalTimeZone(timeZone: string): string | null {
  if (timeZone.trim() === '') return null;
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
}

/** A message saying what is wrong with `cron`, or null when it is a valid 5-field schedule. */
export function describeCronError(cron: string): string | null {
  const trimmed = cron.trim();
  if (trimmed === '') return 'Enter a cron expression, e.g. "0 2 * * *" for every day at 02:00';
  try {
    new Cron(trimmed, { paused: true, mode: '5-part' });
    return null;
  } catch (error) {
    const detail = error instanceof Error ? error.message.replace(/^CronPattern:\s*/, '') : String(error);
    return `"${trimmed}" is not a valid 5-field cron expression (minute hour day month weekday): ${detail}`;
  }
}

/**
 * Where `describeUnreachableCron` looks from: a 5-field expression that fires at all fires within
 * 28 years of any instant (the calendar repeats), and croner looks until the year 3000.
 */
const EVER_FROM = new Date(Date.UTC(2000, 0, 1));

/**
 * A message when a valid expression names no date that exists ("0 2 30 2 *", the 30th of
 * February), so a job saved with it would never run; null when it fires, or is not valid at all
 * (`describeCronError` says why). Time zones do not matter: every zone has every date.
 */
export function describeUnreachableCron(cron: string): string | null {
  if (describeCronError(cron) !== null) return null;
  const trimmed = cron.trim();
  const next = new Cron(trimmed, { paused: true, mode: '5-part', timezone: 'UTC' }).nextRun(EVER_FROM);
  if (next !== null) return null;
  return `"${trimmed}" never runs: none of its months has that day of the month (there is no 30 February, no 31 April); choose a day its months have`;
}

function makeCron(cron: string, timeZone: string): Cron {
  const cronError = describeCronError(cron);
  if (cronError) throw new RangeError(cronError);
  if (!canonicalTimeZone(timeZone)) throw new RangeError(`Unknown time zone "${timeZone}"`);
  return new Cron(cron.trim(), { paused: true, mode: '5-part', timezone: timeZone });
}

/** The next `count` run times strictly after `from`. */
export function nextRuns(cron: string, timeZone: string, from: Date, count: number): Date[] {
  if (!Number.isInteger(count) || count < 0)
    throw new RangeError(`count must be a whole number ≥ 0, got ${count}`);
  if (count === 0) return [];
  return makeCron(cron, timeZone).nextRuns(count, from);
}

/**
 * A plain-language description in the schedule's time zone, worded by cronstrue: "At 02:00
 * (Europe/Warsaw)", "At 22:00, Monday through Friday (UTC)", "Every 15 minutes (UTC)".
 */
export function describeSchedule(cron: string, timeZone: string, now: Date): string {
  const job = makeCron(cron, timeZone);
  const zone = canonicalTimeZone(timeZone) ?? timeZone;
  if (job.nextRun(now) === null) return `"${cron.trim()}" never runs again (${zone})`;
  // croner's pattern has the nicknames (@daily) expanded into the five fields cronstrue reads.
  const words = cronstrue.toString(job.getPattern() ?? cron.trim(), { use24HourTimeFormat: true });
  return `${words} (${zone})`;
}

export interface ScheduledJobState {
  cron: string;
  timeZone: string;
  /** The latest scheduled time already handled (run or recorded as missed); null = never scheduled. */
  lastScheduledAt: Date | null;
  missedRunPolicy: MissedRunPolicy;
}

export interface MissedRunDecision {
  /** Start a run now: one is due on time, or runs were missed and the policy is run-once. */
  runNow: boolean;
  /** Scheduled times that passed unnoticed (downtime), oldest first, at most MAX_LISTED_MISSED_RUNS. */
  missed: Date[];
  /** True when more runs were missed than `missed` lists. */
  hasMoreMissed: boolean;
  /** Store this as the job's new `lastScheduledAt` (so the same time is never decided twice). */
  checkpointAt: Date;
  /** The next scheduled time after `now`; null when the expression never fires again. */
  nextAt: Date | null;
}

/**
 * What the scheduler does for a job at `now`. Every scheduled time in (lastScheduledAt, now] is
 * due. The newest due time noticed within ON_TIME_GRACE_MS is an ordinary on-time run; the
 * others were missed (the server was down). Missed runs never start one run each: `run-once`
 * starts a single catch-up run, `skip` records them and waits for the next time.
 *
 * A job never scheduled before (`lastScheduledAt` null) has nothing due: its schedule starts now.
 * Re-enabling a disabled job should set `lastScheduledAt` to the time it is enabled, unless the
 * runs skipped while it was disabled are meant to count as missed.
 */
export function decideMissedRuns(job: ScheduledJobState, now: Date): MissedRunDecision {
  const schedule = makeCron(job.cron, job.timeZone);
  const nextAt = schedule.nextRun(now);
  if (job.lastScheduledAt === null || job.lastScheduledAt.getTime() >= now.getTime()) {
    return {
      runNow: false,
      missed: [],
      hasMoreMissed: false,
      checkpointAt: job.lastScheduledAt ?? now,
      nextAt,
    };
  }
  // The newest due time comes straight from croner (a per-minute job down for a month must not
  // walk 43,200 times); only the listed missed runs are enumerated forwards.
  const latestDue = schedule.previousRuns(1, new Date(now.getTime() + 1))[0] ?? null;
  if (latestDue === null || latestDue.getTime() <= job.lastScheduledAt.getTime()) {
    return { runNow: false, missed: [], hasMoreMissed: false, checkpointAt: job.lastScheduledAt, nextAt };
  }
  const isLatestOnTime = now.getTime() - latestDue.getTime() <= ON_TIME_GRACE_MS;
  // The on-time run is not missed; everything before it is.
  const missedUntil = isLatestOnTime ? latestDue.getTime() - 1 : latestDue.getTime();
  const missed: Date[] = [];
  let hasMoreMissed = false;
  let cursor: Date | null = schedule.nextRun(job.lastScheduledAt);
  while (cursor && cursor.getTime() <= missedUntil) {
    if (missed.length === MAX_LISTED_MISSED_RUNS) {
      hasMoreMissed = true;
      break;
    }
    missed.push(cursor);
    cursor = schedule.nextRun(cursor);
  }
  const runNow = isLatestOnTime || (missed.length > 0 && job.missedRunPolicy === 'run-once');
  return { runNow, missed, hasMoreMissed, checkpointAt: latestDue, nextAt };
}

const HOUR_MS = 3_600_000;
/** Runs looked at for the longest gap: two weeks cover every weekly pattern. */
const GAP_HORIZON_MS = 15 * 24 * HOUR_MS;
const GAP_MAX_RUNS = 3000;

export interface ScheduleGap {
  /** The run after which the wait begins, and the next run. */
  after: Date;
  before: Date;
  hours: number;
}

/**
 * The longest wait between two consecutive runs over the next two weeks (enough for every
 * weekly pattern; a monthly one shows its gap too); null when it runs fewer than twice.
 */
export function longestScheduleGap(cron: string, timeZone: string, from: Date): ScheduleGap | null {
  const runs = makeCron(cron, timeZone).nextRuns(GAP_MAX_RUNS, from);
  let longest: ScheduleGap | null = null;
  for (let i = 1; i < runs.length; i += 1) {
    if (runs[i - 1].getTime() - from.getTime() > GAP_HORIZON_MS) break;
    const gapMs = runs[i].getTime() - runs[i - 1].getTime();
    if (!longest || gapMs > longest.hours * HOUR_MS) {
      longest = { after: runs[i - 1], before: runs[i], hours: gapMs / HOUR_MS };
    }
  }
  return longest;
}

/**
 * A warning when the schedule leaves longer between two runs than the RPO allows: in that gap
 * the VMs show RPO exceeded however well every run goes ("weekdays at 22:00" with a 26 h RPO).
 */
export function describeScheduleRpoGap(
  cron: string,
  timeZone: string,
  rpoHours: number,
  from: Date,
): string | null {
  const gap = longestScheduleGap(cron, timeZone, from);
  if (!gap || gap.hours <= rpoHours) return null;
  const zone = canonicalTimeZone(timeZone) ?? timeZone;
  const when = new Intl.DateTimeFormat('en-GB', {
    weekday: 'long',
    hour: '2-digit',
    minute: '2-digit',
    timeZone: zone,
  });
  const hours = Number.isInteger(gap.hours) ? `${gap.hours}` : gap.hours.toFixed(1);
  return `The schedule leaves up to ${hours} h between runs (${when.format(gap.after)} to ${when.format(gap.before)}, ${zone}), longer than the ${rpoHours} h RPO: the VMs will show RPO exceeded in that gap however well each run goes`;
}
