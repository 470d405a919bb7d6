/**
 * A job edit that makes its retention keep fewer of the points it has: the next run would delete
 * them, so the edit is a destructive action like deleting those points one by one. It is saved at
 * once when it deletes nothing; otherwise it becomes a four-eyes request (`tighten-retention`) whose
 * preview names the points that go, and is saved when a second admin approves it.
 */
import type { Stores } from '../../db/stores/ports';
import { describePoint } from '../engine/point-plan';
import {
  describeRetention,
  isGoodForRetention,
  type LocatedPoint,
  pointsPrunedByChange,
  type RetentionSetting,
} from '../engine/retention';
import type { RetentionPolicy } from '../engine/step-params';
import { type UpdateBackupJobInput, updateBackupJobInput } from '../schemas/jobs';
import type { ApprovalAction } from './approval-actions';
import { requireJobAsLoaded, updateBackupJob } from './backup-job-service';
import { otherChangesOfEdit } from './job-edit-changes';
import { parseInput } from './parse-input';

/** Points read to judge a change: beyond it the count is said to be "at least". */
const MOST_POINTS_READ = 20_000;
/** Points named in the preview (the count says how many there are in all). */
const POINTS_NAMED = 50;
const PAGE = 500;
/** The id of the point the next run adds to each VM's (never one of the job's: ids are op- or rp-). */
const NEXT_RUN_POINT = '(the next run)';

export interface RetentionLoss {
  /** How many of the job's points the next run would delete under the new setting and not the old. */
  count: number;
  /** The job has more points than were read: `count` is a lower bound. */
  isAtLeast: boolean;
  /** The first of them, newest first, named as the restore point browser names them. */
  points: { id: string; vmName: string; createdAt: string; name: string }[];
}

/**
 * The points of the job that `next` deletes at the job's next run and `current` keeps. The next run
 * prunes after it catalogues its own point of each VM, so each VM with points is judged with one
 * more, taken `nextRunAt`: keeping 2 instead of 3 of a VM's 2 points deletes the oldest at that run.
 */
export async function retentionLossOf(
  stores: Stores,
  jobId: string,
  current: RetentionSetting,
  next: RetentionSetting,
  nextRunAt: Date,
): Promise<RetentionLoss> {
  const byVm = new Map<string, (LocatedPoint & { vmName: string })[]>();
  let read = 0;
  let cursor: string | undefined;
  let isAtLeast = false;
  do {
    const page = await stores.restorePoints.browse({ jobId, sort: 'newest', limit: PAGE, cursor });
    for (const point of page.items) {
      const points = byVm.get(point.vmId) ?? [];
      points.push({
        id: point.id,
        createdAt: point.createdAt,
        locationKind: point.locationKind,
        isGood: isGoodForRetention(point),
        vmName: point.vmName,
      });
      byVm.set(point.vmId, points);
    }
    read += page.items.length;
    cursor = page.nextCursor ?? undefined;
    if (cursor && read >= MOST_POINTS_READ) isAtLeast = true;
  } while (cursor && !isAtLeast);
  const lost: { id: string; vmName: string; createdAt: Date }[] = [];
  for (const points of byVm.values()) {
    const byId = new Map(points.map((point) => [point.id, point]));
    const nextRuns = {
      id: NEXT_RUN_POINT,
      createdAt: nextRunAt,
      locationKind: 'repository',
      isGood: true,
    } as const;
    for (const id of pointsPrunedByChange([nextRuns, ...points], current, next)) {
      const point = byId.get(id);
      if (point) lost.push({ id, vmName: point.vmName, createdAt: point.createdAt });
    }
  }
  lost.sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
  return {
    count: lost.length,
    isAtLeast,
    points: lost.slice(0, POINTS_NAMED).map((point) => ({
      id: point.id,
      vmName: point.vmName,
      createdAt: point.createdAt.toISOString(),
      name: describePoint(point),
    })),
  };
}

/** The job as saved, its retention as saved, and as the edit would save it. */
async function settingsOfEdit(stores: Stores, input: UpdateBackupJobInput) {
  const { id, job, loadedUpdatedAt } = parseInput(updateBackupJobInput, input);
  const saved = await requireJobAsLoaded(stores, id, loadedUpdatedAt);
  return {
    saved,
    job,
    current: { policy: saved.retentionJson as unknown as RetentionPolicy, timeZone: saved.timeZone },
    next: { policy: job.retention, timeZone: job.schedule?.timeZone ?? 'UTC' },
  };
}

/**
 * What the edit's new retention would delete at the job's next run (nothing: count 0), that run
 * judged as if it ran now: which calendar bucket it fills moves with its time, how many it keeps does not.
 */
export async function retentionLossOfEdit(
  stores: Stores,
  input: UpdateBackupJobInput,
  now: Date,
): Promise<RetentionLoss> {
  const { current, next } = await settingsOfEdit(stores, input);
  return retentionLossOf(stores, input.id, current, next, now);
}

/**
 * Everything else the edit changes, in words (a name, a schedule, VMs added to or dropped from its
 * scope, …), for the edit wizard's review: the operator reads what saving changes before saving,
 * as an approver reads it before approving.
 */
export async function otherChangesOfEditInput(
  stores: Stores,
  input: UpdateBackupJobInput,
  now: Date,
): Promise<string[]> {
  const { saved, job } = await settingsOfEdit(stores, input);
  return otherChangesOfEdit(stores, saved, job, now);
}

/** True when the edit may be saved without a second admin: it deletes no point, as far as was read. */
export function isRetentionKept(loss: RetentionLoss): boolean {
  return loss.count === 0 && !loss.isAtLeast;
}

export function tightenRetentionAction(digest: (value: unknown) => string): ApprovalAction {
  return {
    kind: 'tighten-retention',
    parsePayload: (payload) => parseInput(updateBackupJobInput, payload),
    async prepare(env, payload) {
      const input = parseInput(updateBackupJobInput, payload);
      // A job gone is NOT_FOUND, one saved since the request CONFLICT (requireJobAsLoaded).
      const { saved, job, current, next } = await settingsOfEdit(env.stores, input);
      const now = env.service.now();
      const loss = await retentionLossOf(env.stores, input.id, current, next, now);
      const { name } = saved;
      return {
        title: `Change the retention of ${name}: ${lossWords(loss)} at its next run`,
        preview: {
          kind: 'tighten-retention',
          job: { id: input.id, name },
          before: `${describeRetention(current.policy)} (${current.timeZone})`,
          after: `${describeRetention(next.policy)} (${next.timeZone})`,
          loss,
          // Approved, the whole edit is saved: the approver reads the rest of it too.
          otherChanges: await otherChangesOfEdit(env.stores, saved, job, now),
        },
        // The job as loaded and the points that go: another save, or other points, is another request.
        fingerprint: digest([
          input.id,
          input.loadedUpdatedAt,
          input.job,
          loss.count,
          loss.points.map((p) => p.id),
        ]),
      };
    },
    async run(env, payload): Promise<{ jobId: string }> {
      const saved = await updateBackupJob(env.stores, env.service, parseInput(updateBackupJobInput, payload));
      return { jobId: saved.id };
    },
  };
}

function lossWords(loss: RetentionLoss): string {
  const points = `${loss.count} restore point${loss.count === 1 ? '' : 's'}`;
  if (!loss.isAtLeast) return `${points} deleted`;
  // Only the newest were read: what the rest lose is not known, and is not assumed to be nothing.
  return `at least ${points} deleted (only its ${MOST_POINTS_READ.toLocaleString('en-US')} newest points were read)`;
}
