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
 *
 * A point that is not good (partial, failed its verification, its data gone) is no restore point
 * an operator can rely on, so it must not take a good point's place: the rules are applied to
 * every point as above, and again to the good points alone, and a point either keeps is kept. Three
 * partial runs under "keep last 1" thus keep the last complete point too, and the newest good
 * point is always kept besides the newest. Nothing is pruned that the rules over every point keep.
 */
import type { RetentionPolicy } from './step-params';
import type { PointLocationKind } from './types';

export type { RetentionPolicy } from './step-params';

export interface RetainablePoint {
  id: string;
  createdAt: Date;
  /** Complete and restorable (not partial, not failed verification, data not gone); default true. */
  isGood?: boolean;
}

export interface PruneSelection {
  /** Kept point id → why (e.g. "last 3", "daily 2026-03-28", "weekly 2026-W13", "monthly 2026-03"). */
  keep: Map<string, string[]>;
  /** Point ids to delete, newest first. */
  prune: string[];
}

/**
 * Whether retention may count a catalogued point as a good one: it holds every disk, did not fail
 * its verification (never verified counts as good, as the protection overview reads it), and its
 * data was not removed outside Migawka.
 */
export function isGoodForRetention(point: {
  isPartial: boolean;
  lastVerdict: string | null;
  goneSince: Date | null;
}): boolean {
  return (
    !point.isPartial && (point.lastVerdict === null || point.lastVerdict === 'intact') && !point.goneSince
  );
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

type LocalDate = { year: number; month: number; day: number };

const PERIOD_RULES: { label: 'daily' | 'weekly' | 'monthly'; keyOf: (d: LocalDate) => string }[] = [
  {
    label: 'daily',
    keyOf: (d) => `${d.year}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`,
  },
  { label: 'weekly', keyOf: (d) => isoWeekKey(d.year, d.month, d.day) },
  { label: 'monthly', keyOf: (d) => `${d.year}-${String(d.month).padStart(2, '0')}` },
];

/** Applies the policy's rules to `newestFirst`, calling `keep` with each kept point and why. */
function applyRules(
  newestFirst: RetainablePoint[],
  policy: RetentionPolicy,
  localDateOf: (point: RetainablePoint) => LocalDate,
  keep: (id: string, reason: string) => void,
  suffix: string,
): void {
  for (const point of newestFirst.slice(0, policy.keepLast))
    keep(point.id, `last ${policy.keepLast}${suffix}`);
  for (const rule of PERIOD_RULES) {
    const count = policy[rule.label];
    if (count === 0) continue;
    const seenPeriods = new Set<string>();
    for (let i = 0; i < newestFirst.length && seenPeriods.size < count; i++) {
      const period = rule.keyOf(localDateOf(newestFirst[i]));
      if (seenPeriods.has(period)) continue;
      // Newest first, so the first point met in a period is that period's newest.
      seenPeriods.add(period);
      keep(newestFirst[i].id, `${rule.label} ${period}${suffix}`);
    }
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
  const localDates = new Map(
    newestFirst.map((point) => [point.id, localDateParts(point.createdAt, timeZone)]),
  );
  const localDateOf = (point: RetainablePoint) => localDates.get(point.id) as LocalDate;

  applyRules(newestFirst, policy, localDateOf, addReason, '');
  const good = newestFirst.filter((point) => point.isGood !== false);
  if (good.length < newestFirst.length) {
    applyRules(good, policy, localDateOf, addReason, ' good (complete, not failed verification)');
  }

  if (newestFirst.length > 0 && !keep.has(newestFirst[0].id)) {
    addReason(newestFirst[0].id, 'newest point (always kept)');
  }
  if (good.length > 0 && !keep.has(good[0].id)) addReason(good[0].id, 'newest good point (always kept)');
  const prune = newestFirst.filter((point) => !keep.has(point.id)).map((point) => point.id);
  return { keep, prune };
}

/** A job's point with where it is kept: retention counts the repository's and the pool's apart. */
export interface LocatedPoint extends RetainablePoint {
  locationKind: PointLocationKind;
}

/**
 * Where retention counts apart: the job's copies in the repository (a point whose array snapshot is
 * kept on the array is a repository copy too) and its memory checkpoints on the pool. Each keeps the
 * policy's last N, dailies… of its own kind, so one never pushes the other out.
 */
const RETENTION_GROUPS: readonly (readonly PointLocationKind[])[] = [
  ['repository', 'array-snapshot'],
  ['pool-snapshot'],
];

/** The points of one VM of a job that its retention prunes, in every kind of location. */
export function selectVmPointsToPrune(
  points: readonly LocatedPoint[],
  policy: RetentionPolicy,
  timeZone: string,
): string[] {
  return RETENTION_GROUPS.flatMap(
    (kinds) =>
      selectPointsToPrune(
        points.filter((point) => kinds.includes(point.locationKind)),
        policy,
        timeZone,
      ).prune,
  );
}

/** A job's retention as it is saved: the policy and the time zone its days, weeks and months are in. */
export interface RetentionSetting {
  policy: RetentionPolicy;
  timeZone: string;
}

/**
 * The points of one VM that `next` prunes and `current` keeps: what changing a job's retention
 * deletes at the job's next run, which is what a second admin must see before it is saved. Empty
 * when the change keeps at least what the current setting keeps.
 */
export function pointsPrunedByChange(
  points: readonly LocatedPoint[],
  current: RetentionSetting,
  next: RetentionSetting,
): string[] {
  const prunedNow = new Set(selectVmPointsToPrune(points, current.policy, current.timeZone));
  return selectVmPointsToPrune(points, next.policy, next.timeZone).filter((id) => !prunedNow.has(id));
}

/** "Keep last 3 + 7 daily + 4 weekly" (the job page, a retention change's request). */
export function describeRetention(policy: RetentionPolicy): string {
  const parts = [
    policy.keepLast > 0 ? `last ${policy.keepLast}` : null,
    policy.daily > 0 ? `${policy.daily} daily` : null,
    policy.weekly > 0 ? `${policy.weekly} weekly` : null,
    policy.monthly > 0 ? `${policy.monthly} monthly` : null,
  ].filter((part): part is string => part !== null);
  return parts.length > 0 ? `Keep ${parts.join(' + ')}` : 'Keeps nothing';
}
