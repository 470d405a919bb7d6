/**
 * Protection overview (issue 4 §4): the page an operator opens each morning.
 *
 * Per VM: the newest good restore point (never verified, or verified intact), its consistency,
 * the RPO of the enabled backup jobs that cover the VM (the strictest one wins), the status that
 * follows (`VM-UNPROTECTED`, `RPO-EXCEEDED`, protected, or no policy) and the result of the last
 * operation that touched it. Plus the runs that need attention (failed or interrupted, not yet
 * retried) and 14 days of activity for the charts. The ProtectionStore computes them; statuses
 * are taken at the context's `now`.
 */

import type { Stores } from '../../db/stores/ports';
import type { Page } from '../../db/stores/ports/page';
import type { RunNeedingAttention, VmProtection } from '../../db/stores/ports/protection';
import type { ServiceContext } from '../context';
import { approvalKindOfRetry } from '../engine/approvals';
import { PROTECTION_STATUSES, type ProtectionStatus } from '../engine/protection';
import { CONSISTENCY_LEVELS, type Consistency } from '../engine/types';
import { type ProtectionListQueryInput, protectionListQueryInput } from '../schemas/protection';
import { parseInput } from './parse-input';

export type { RunNeedingAttention, VmProtection } from '../../db/stores/ports/protection';
export { PROTECTION_STATUS_RULES, PROTECTION_STATUSES, type ProtectionStatus } from '../engine/protection';

type ProtectionStores = Pick<Stores, 'protection'>;
type Clock = Pick<ServiceContext, 'now'>;

const DAY_MS = 86_400_000;

export { type ProtectionListQueryInput, protectionListQueryInput } from '../schemas/protection';

/** VMs by name, with their protection status; filter by status or name, keyset-paged. */
export async function listVmProtection(
  stores: ProtectionStores,
  ctx: Clock,
  input: ProtectionListQueryInput = {},
): Promise<Page<VmProtection>> {
  return stores.protection.listVmProtection(parseInput(protectionListQueryInput, input), ctx.now());
}

export interface ProtectionSummary {
  totalVms: number;
  byStatus: Record<ProtectionStatus, number>;
}

export async function summarizeProtection(stores: ProtectionStores, ctx: Clock): Promise<ProtectionSummary> {
  const counts = await stores.protection.countVmsByStatus(ctx.now());
  const byStatus = Object.fromEntries(
    PROTECTION_STATUSES.map((status) => [status, counts[status] ?? 0]),
  ) as Record<ProtectionStatus, number>;
  return { totalVms: Object.values(byStatus).reduce((sum, n) => sum + n, 0), byStatus };
}

/**
 * A run needing attention, and whether its retry destroys data again (a restore over what exists,
 * a point's deletion): that retry shows its impact and asks for a name typed, not one click.
 */
export type AttentionRun = RunNeedingAttention & { isDestructiveRetry: boolean };

/**
 * Runs of the last `days` days that need the operator, newest first: failed and interrupted ones
 * nobody has retried yet, and runs that succeeded with warnings (a job's newest run only). At most
 * `limit`; `hasMore` says that older ones were left out, so the page never reads as complete.
 */
export async function listRunsNeedingAttention(
  stores: Pick<Stores, 'protection' | 'operations'>,
  ctx: Clock,
  options: { days?: number; limit?: number } = {},
): Promise<{ runs: AttentionRun[]; hasMore: boolean }> {
  const since = new Date(ctx.now().getTime() - (options.days ?? 14) * DAY_MS);
  const limit = options.limit ?? 20;
  const runs = await stores.protection.listRunsNeedingAttention(since, limit + 1);
  return {
    runs: await Promise.all(runs.slice(0, limit).map((run) => withRetryKind(stores, run))),
    hasMore: runs.length > limit,
  };
}

async function withRetryKind(
  stores: Pick<Stores, 'operations'>,
  run: RunNeedingAttention,
): Promise<AttentionRun> {
  // Only a restore's request says whether it overwrote what exists: read for restores alone.
  const request =
    run.kind === 'restore' ? ((await stores.operations.get(run.operationId))?.requestJson ?? {}) : {};
  return { ...run, isDestructiveRetry: approvalKindOfRetry({ kind: run.kind, request }) !== null };
}

export interface ProtectionActivityDay {
  /** UTC calendar day, YYYY-MM-DD. */
  day: string;
  /**
   * By the level each point achieved; a saved-state capture counts apart (`savedState`): Hyper-V
   * records it as application-consistent, but no in-guest VSS ran.
   */
  pointsByConsistency: Record<Consistency, number> & { savedState: number };
  backupsByResult: {
    succeeded: number;
    /** Succeeded with warnings: counted apart, never as plainly succeeded. */
    warned: number;
    failed: number;
    interrupted: number;
    cancelled: number;
    /** Not finished: queued, waiting, running or cancelling. */
    active: number;
  };
}

function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** One entry per UTC day of the last `days` days (today included), zeros where nothing happened. */
export async function getProtectionActivity(
  stores: ProtectionStores,
  ctx: Clock,
  days = 14,
): Promise<{ days: ProtectionActivityDay[] }> {
  const now = ctx.now();
  const todayStart = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const since = new Date(todayStart - (days - 1) * DAY_MS);
  const byDay = new Map<string, ProtectionActivityDay>();
  for (let i = 0; i < days; i += 1) {
    const day = utcDay(since.getTime() + i * DAY_MS);
    byDay.set(day, {
      day,
      pointsByConsistency: { crash: 0, filesystem: 0, application: 0, savedState: 0 },
      backupsByResult: { succeeded: 0, warned: 0, failed: 0, interrupted: 0, cancelled: 0, active: 0 },
    });
  }
  for (const row of await stores.protection.countPointsByDay(since, days)) {
    const entry = byDay.get(row.day);
    if (!entry) continue;
    if (row.consistency === 'saved-state') entry.pointsByConsistency.savedState += row.points;
    else if ((CONSISTENCY_LEVELS as readonly string[]).includes(row.consistency)) {
      entry.pointsByConsistency[row.consistency] += row.points;
    }
  }
  for (const row of await stores.protection.countBackupsByDay(since)) {
    const entry = byDay.get(row.day);
    if (!entry) continue;
    const results = entry.backupsByResult;
    if (row.status === 'succeeded' || row.status === 'failed' || row.status === 'interrupted') {
      results[row.status] += row.runs;
    } else if (row.status === 'succeeded-with-warnings') results.warned += row.runs;
    else if (row.status === 'cancelled') results.cancelled += row.runs;
    else results.active += row.runs;
  }
  return { days: [...byDay.values()] };
}
