/**
 * Grandfather-father-son retention: which restore points a job keeps after a run.
 *
 * A point is kept when any rule wants it; every other point is pruned. Rules (as restic and
 * borg apply them, which operators already know):
 * - keepLast N: the N newest points;
 * - daily / weekly / monthly N: the newest point of each of the N most recent calendar days /
 *   ISO weeks / months *that have points*, in the job's time zone. Counting periods that have
 *   points (rather than the last N calendar days) means a job that stopped running for a
 *   while does not silently lose its history.
 * The newest point is always kept, whatever the policy, so pruning can never leave a VM with
 * nothing.
 */
import type { RetentionPolicy } from './step-params';

export type { RetentionPolicy } from './step-params';

export interface RetainablePoint {
  id: string;
  createdAt: Date;
}

export interface PruneSelection {
  /** Kept point id → why (e.g. "last 3", "daily 2026-03-28", "weekly 2026-W13", "monthly 2026-03"). */
  keep: Map<string, string[]>;
  /** Point ids to delete, newest first. */
  prune: string[];
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function localDateParts(date: Date, timeZone: string): { year: number; month: number; day: number } {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  const parts = formatter.formatToParts(date);
  const read = (type: string) => Number(parts.find((part) => part.type === type)?.value);
  return { year: read('year'), month: read('month'), day: read('day') };
}

/** ISO 8601 week of a calendar date: weeks start on Monday, week 1 holds the year's first Thursday. */
export function isoWeekKey(year: number, month: number, day: number): string {
  const date = new Date(Date.UTC(year, month - 1, day));
  const weekday = date.getUTCDay() || 7;
  date.setUTCDate(date.getUTCDate() + 4 - weekday); // the Thursday of this week decides its year
  const weekYear = date.getUTCFullYear();
  const week = Math.ceil(((date.getTime() - Date.UTC(weekYear, 0, 1)) / 86_400_000 + 1) / 7);
  return `${weekYear}-W${String(week).padStart(2, '0')}`;
}

function assertCount(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0) {
    throw new RangeError(`Retention "${name}" must be a whole number ≥ 0, got ${value}`);
  }
}

export function selectPointsToPrune(
  points: RetainablePoint[],
  policy: RetentionPolicy,
  timeZone: string,
): PruneSelection {
  for (const name of ['keepLast', 'daily', 'weekly', 'monthly'] as const) assertCount(name, policy[name]);
  const newestFirst = [...points].sort(
    (a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
  const keep = new Map<string, string[]>();
  const addReason = (id: string, reason: string) => {
    const reasons = keep.get(id);
    if (reasons) reasons.push(reason);
    else keep.set(id, [reason]);
  };

  newestFirst.slice(0, policy.keepLast).forEach((point) => {
    addReason(point.id, `last ${policy.keepLast}`);
  });

  const periodRules: {
    label: string;
    count: number;
    keyOf: (d: { year: number; month: number; day: number }) => string;
  }[] = [
    {
      label: 'daily',
      count: policy.daily,
      keyOf: (d) => `${d.year}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`,
    },
    { label: 'weekly', count: policy.weekly, keyOf: (d) => isoWeekKey(d.year, d.month, d.day) },
    {
      label: 'monthly',
      count: policy.monthly,
      keyOf: (d) => `${d.year}-${String(d.month).padStart(2, '0')}`,
    },
  ];
  const localDates = newestFirst.map((point) => localDateParts(point.createdAt, timeZone));
  for (const rule of periodRules) {
    if (rule.count === 0) continue;
    const seenPeriods = new Set<string>();
    for (let i = 0; i < newestFirst.length && seenPeriods.size < rule.count; i++) {
      const period = rule.keyOf(localDates[i]);
      if (seenPeriods.has(period)) continue;
      // Newest first, so the first point met in a period is that period's newest.
      seenPeriods.add(period);
      addReason(newestFirst[i].id, `${rule.label} ${period}`);
    }
  }

  if (newestFirst.length > 0 && !keep.has(newestFirst[0].id)) {
    addReason(newestFirst[0].id, 'newest point (always kept)');
  }
  const prune = newestFirst.filter((point) => !keep.has(point.id)).map((point) => point.id);
  return { keep, prune };
}
