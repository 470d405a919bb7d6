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

export const MISSED_RUN_POLICIES = ['skip', 'run-once'] as const;
export type MissedRunPolicy = (typeof MISSED_RUN_POLICIES)[number];

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

const WEEKDAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const WEEKDAY_ALIASES: Record<string, number> = { SUN: 0, MON: 1, TUE: 2, WED: 3, THU: 4, FRI: 5, SAT: 6 };

function joinWords(words: string[]): string {
  if (words.length <= 1) return words.join('');
  return `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}

function parseNumberList(field: string, max: number): number[] | null {
  if (!/^\d+(,\d+)*$/.test(field)) return null;
  const values = field.split(',').map(Number);
  return values.every((value) => value <= max) ? values : null;
}

function parseWeekdays(field: string): number[] | null {
  const toDay = (token: string): number | null => {
    const upper = token.toUpperCase();
    if (upper in WEEKDAY_ALIASES) return WEEKDAY_ALIASES[upper];
    if (/^[0-7]$/.test(token)) return Number(token) % 7;
    return null;
  };
  const days: number[] = [];
  for (const part of field.split(',')) {
    const range = part.split('-');
    if (range.length === 1) {
      const day = toDay(part);
      if (day === null) return null;
      days.push(day);
    } else if (range.length === 2) {
      const start = toDay(range[0]);
      const end = toDay(range[1]);
      if (start === null || end === null || end < start) return null;
      for (let day = start; day <= end; day++) days.push(day);
    } else {
      return null;
    }
  }
  return [...new Set(days)].sort((a, b) => a - b);
}

function describeWeekdays(days: number[]): string {
  if (days.join() === '1,2,3,4,5') return 'Every weekday (Monday to Friday)';
  if (days.join() === '0,6') return 'Every Saturday and Sunday';
  return `Every ${joinWords(days.map((day) => WEEKDAY_NAMES[day]))}`;
}

function ordinal(n: number): string {
  const suffix =
    n % 10 === 1 && n !== 11
      ? 'st'
      : n % 10 === 2 && n !== 12
        ? 'nd'
        : n % 10 === 3 && n !== 13
          ? 'rd'
          : 'th';
  return `${n}${suffix}`;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** Plain words for the common shapes; null when the expression is better shown as run times. */
function describeCommonShape(pattern: string): string | null {
  const fields = pattern.split(/\s+/);
  if (fields.length !== 5) return null;
  const [minute, hour, dayOfMonth, month, dayOfWeek] = fields;
  const everyMinutes = /^\*\/(\d+)$/.exec(minute);
  if (everyMinutes && hour === '*' && dayOfMonth === '*' && month === '*' && dayOfWeek === '*') {
    return Number(everyMinutes[1]) === 1 ? 'Every minute' : `Every ${everyMinutes[1]} minutes`;
  }
  const minutes = parseNumberList(minute, 59);
  if (minutes?.length !== 1) return null;
  const [atMinute] = minutes;
  if (month !== '*') return null;
  if (hour === '*' && dayOfMonth === '*' && dayOfWeek === '*') {
    return atMinute === 0 ? 'Every hour, on the hour' : `Every hour at minute ${atMinute}`;
  }
  const everyHours = /^\*\/(\d+)$/.exec(hour);
  if (everyHours && dayOfMonth === '*' && dayOfWeek === '*') {
    return `Every ${everyHours[1]} hours from 00:${pad(atMinute)}`;
  }
  const hours = parseNumberList(hour, 23);
  if (!hours) return null;
  const times = joinWords(hours.sort((a, b) => a - b).map((h) => `${pad(h)}:${pad(atMinute)}`));
  if (dayOfMonth === '*' && dayOfWeek === '*') return `Every day at ${times}`;
  if (dayOfMonth === '*') {
    const days = parseWeekdays(dayOfWeek);
    return days ? `${describeWeekdays(days)} at ${times}` : null;
  }
  if (dayOfWeek === '*') {
    if (dayOfMonth === 'L') return `On the last day of every month at ${times}`;
    const monthDays = parseNumberList(dayOfMonth, 31);
    if (!monthDays) return null;
    return `On the ${joinWords(monthDays.map(ordinal))} of every month at ${times}`;
  }
  return null;
}

/** "Sat 28 Mar 2026 02:00" in the schedule's time zone (no commas, so lists of times stay readable). */
export function formatRunTime(date: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(date);
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('weekday')} ${part('day')} ${part('month')} ${part('year')} ${part('hour')}:${part('minute')}`;
}

/**
 * A plain-language description: "Every day at 02:00 (Europe/Warsaw)" for the common shapes,
 * otherwise the next three runs.
 */
export function describeSchedule(cron: string, timeZone: string, now: Date): string {
  const job = makeCron(cron, timeZone);
  const zone = canonicalTimeZone(timeZone) ?? timeZone;
  const shape = describeCommonShape(job.getPattern() ?? cron.trim());
  if (shape) return `${shape} (${zone})`;
  const upcoming = job.nextRuns(3, now).map((date) => formatRunTime(date, zone));
  if (upcoming.length === 0) return `"${cron.trim()}" never runs again (${zone})`;
  return `Runs at ${joinWords(upcoming)} (${zone}), and so on`;
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
