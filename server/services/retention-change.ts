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
import { parseInput } from './parse-input';

/** Points read to judge a change: beyond it the count is said to be "at least". */
const MOST_POINTS_READ = 20_000;
/** Points named in the preview (the count says how many there are in all). */
const POINTS_NAMED = 50;
const PAGE = 500;

export interface RetentionLoss {
  /** How many of the job's points the next run would delete under the new setting and not the old. */
  count: number;
  /** The job has more points than were read: `count` is a lower bound. */
  isAtLeast: boolean;
  /** The first of them, newest first, named as the restore point browser names them. */
  points: { id: string; vmName: string; createdAt: string; name: string }[];
}

/** The points of the job that `next` deletes at the job's next run and `current` keeps. */
export async function retentionLossOf(
  stores: Stores,
  jobId: string,
  current: RetentionSetting,
  next: RetentionSetting,
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
    for (const id of pointsPrunedByChange(points, current, next)) {
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

/** The job's retention as saved, and as the edit would save it. */
async function settingsOfEdit(
  stores: Stores,
  input: UpdateBackupJobInput,
): Promise<{ name: string; current: RetentionSetting; next: RetentionSetting }> {
  const { id, job, loadedUpdatedAt } = parseInput(updateBackupJobInput, input);
  const saved = await requireJobAsLoaded(stores, id, loadedUpdatedAt);
  return {
    name: saved.name,
    current: { policy: saved.retentionJson as unknown as RetentionPolicy, timeZone: saved.timeZone },
    next: { policy: job.retention, timeZone: job.schedule?.timeZone ?? 'UTC' },
  };
}

/** What the edit's new retention would delete at the job's next run (nothing: count 0). */
export async function retentionLossOfEdit(
  stores: Stores,
  input: UpdateBackupJobInput,
): Promise<RetentionLoss> {
  const { current, next } = await settingsOfEdit(stores, input);
  return retentionLossOf(stores, input.id, current, next);
}

export function tightenRetentionAction(digest: (value: unknown) => string): ApprovalAction {
  return {
    kind: 'tighten-retention',
    parsePayload: (payload) => parseInput(updateBackupJobInput, payload),
    async prepare(env, payload) {
      const input = parseInput(updateBackupJobInput, payload);
      // A job gone is NOT_FOUND, one saved since the request CONFLICT (requireJobAsLoaded).
      const { name, current, next } = await settingsOfEdit(env.stores, input);
      const loss = await retentionLossOf(env.stores, input.id, current, next);
      return {
        title: `Change the retention of ${name}: ${loss.isAtLeast ? 'at least ' : ''}${loss.count} restore point${loss.count === 1 ? '' : 's'} deleted at its next run`,
        preview: {
          kind: 'tighten-retention',
          job: { id: input.id, name },
          before: `${describeRetention(current.policy)} (${current.timeZone})`,
          after: `${describeRetention(next.policy)} (${next.timeZone})`,
          loss,
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
