/**
 * Protection overview (issue 4 §4): the page an operator opens each morning.
 *
 * Per VM: the newest good restore point (never verified, or verified intact), its consistency,
 * the RPO of the enabled backup jobs that cover the VM (the strictest one wins), the status that
 * follows (`VM-UNPROTECTED`, `RPO-EXCEEDED`, protected, or no policy) and the result of the last
 * operation that touched it. Plus the runs that need attention (failed or interrupted, not yet
 * retried) and 14 days of activity for the charts.
 *
 * Everything is computed in SQL, and nothing reads the restore point catalogue row by row: the
 * per-VM facts and the chart's point counts come from small read models that triggers on
 * restore_points keep exact (db/schema-operations.ts, migration 0006), job coverage is computed
 * once per query from the few enabled jobs, and the list is keyset-paged on (name, id) with the
 * page's details (point, host, last run) looked up for the page's rows only.
 */
import { z } from 'zod';
import { type Db, sqliteOf } from '../../db/client';
import type { OperationStatus } from '../../db/schema';
import { containsPattern, decodeCursor, encodeCursor } from '../../db/stores/sqlite/keyset';
import { CONSISTENCY_LEVELS, type Consistency } from '../engine/types';
import { parseInput } from './parse-input';

export const PROTECTION_STATUSES = ['unprotected', 'rpo-exceeded', 'no-policy', 'protected'] as const;
export type ProtectionStatus = (typeof PROTECTION_STATUSES)[number];

/** The rule id a status corresponds to (docs/domain.md §9, protection status), when it is a problem. */
export const PROTECTION_STATUS_RULES: Record<ProtectionStatus, 'VM-UNPROTECTED' | 'RPO-EXCEEDED' | null> = {
  unprotected: 'VM-UNPROTECTED',
  'rpo-exceeded': 'RPO-EXCEEDED',
  'no-policy': null,
  protected: null,
};

export const protectionListInputSchema = z.object({
  status: z.enum(PROTECTION_STATUSES, { error: 'Choose a known protection status' }).optional(),
  search: z.string().trim().max(200).optional(),
  cursor: z.string().min(1).max(1000).optional(),
  limit: z.int().min(1).max(100).default(25),
});
export type ProtectionListInput = z.input<typeof protectionListInputSchema>;

export interface VmProtection {
  vmId: string;
  vmName: string;
  hostId: string;
  hostName: string;
  status: ProtectionStatus;
  lastPoint: { id: string; createdAt: Date; consistency: Consistency } | null;
  /** The strictest RPO among enabled jobs covering the VM; null when no job covers it. */
  rpoHours: number | null;
  lastRun: { operationId: string; status: OperationStatus; createdAt: Date } | null;
}

/**
 * One row per VM with its protection status. `:now` is epoch ms. A job covers a VM when its scope
 * names it, holds one of its disks (host volume or LUN), or has already catalogued a point of it
 * (a VM captured together with the ones asked for); the strictest RPO of the enabled jobs wins.
 *
 * Built to answer for 20,000 VMs and a million points in a few milliseconds:
 * - job → VM coverage is computed once per query, walking from the few enabled jobs to the VMs
 *   (JSON scope parsed once per job, disks found through the (host_volume_id | array_volume_id,
 *   vm_id) indexes), then grouped per VM; not one JSON-parsing subquery per VM × job;
 * - "has catalogued a point of it" and "newest good point" come from restore_point_job_vms and
 *   vm_latest_good_points, kept exact by triggers on restore_points (migration 0006), instead of
 *   searching the catalogue per VM;
 * - a disk's LUN is its own or, when it has none, its host volume's (the coalesce of the model),
 *   split into two index lookups.
 */
const PROTECTION_STATUS_ROWS = `
  with enabled_jobs as materialized (
    select id, rpo_hours, request_json,
      json_extract(request_json, '$.scope.kind') as scope_kind,
      json_extract(request_json, '$.scope.hostVolumeId') as host_volume_id,
      json_extract(request_json, '$.scope.arrayVolumeId') as array_volume_id
    from backup_jobs where is_enabled = 1
  ),
  -- CROSS JOIN keeps the jobs as the outer loop: from each job to its disks by index.
  covered (vm_id, rpo_hours) as (
    select e.value, j.rpo_hours from enabled_jobs j cross join json_each(j.request_json, '$.scope.vmIds') e
      where j.scope_kind = 'vms'
    union all
    select d.vm_id, j.rpo_hours from enabled_jobs j
      cross join virtual_disks d on d.host_volume_id = j.host_volume_id
      where j.scope_kind = 'host-volume'
    union all
    select d.vm_id, j.rpo_hours from enabled_jobs j
      cross join virtual_disks d on d.array_volume_id = j.array_volume_id
      where j.scope_kind = 'array-volume'
    union all
    select d.vm_id, j.rpo_hours from enabled_jobs j
      cross join host_volumes hv on hv.array_volume_id = j.array_volume_id
      cross join virtual_disks d on d.host_volume_id = hv.id and d.array_volume_id is null
      where j.scope_kind = 'array-volume'
    union all
    select c.vm_id, j.rpo_hours from enabled_jobs j
      cross join restore_point_job_vms c on c.job_id = j.id
  ),
  vm_rpo as materialized (
    select vm_id, min(rpo_hours) as rpo_hours from covered group by vm_id
  ),
  statuses as (
    select v.id as vm_id, v.name as vm_name, v.host_id, g.point_id, r.rpo_hours,
      case
        when g.point_id is null then 'unprotected'
        when r.rpo_hours is null then 'no-policy'
        when g.created_at < :now - r.rpo_hours * 3600000 then 'rpo-exceeded'
        else 'protected'
      end as status
    from vms v
    join hosts h on h.id = v.host_id
    left join vm_latest_good_points g on g.vm_id = v.id
    left join vm_rpo r on r.vm_id = v.id
  )`;

interface ProtectionRow {
  vm_id: string;
  vm_name: string;
  host_id: string;
  host_name: string;
  point_id: string | null;
  point_at: number | null;
  point_consistency: Consistency | null;
  rpo_hours: number | null;
  run_id: string | null;
  run_status: OperationStatus | null;
  run_at: number | null;
  status: ProtectionStatus;
}

function toVmProtection(row: ProtectionRow): VmProtection {
  return {
    vmId: row.vm_id,
    vmName: row.vm_name,
    hostId: row.host_id,
    hostName: row.host_name,
    status: row.status,
    lastPoint:
      row.point_id && row.point_at !== null && row.point_consistency
        ? { id: row.point_id, createdAt: new Date(row.point_at), consistency: row.point_consistency }
        : null,
    rpoHours: row.rpo_hours,
    lastRun:
      row.run_id && row.run_status && row.run_at !== null
        ? { operationId: row.run_id, status: row.run_status, createdAt: new Date(row.run_at) }
        : null,
  };
}

/** VMs by name, with their protection status; filter by status or name, keyset-paged. */
export function listVmProtection(
  db: Db,
  input: ProtectionListInput = {},
  now: Date = new Date(),
): { items: VmProtection[]; nextCursor: string | null } {
  const query = parseInput(protectionListInputSchema, input);
  const sortKey = 'protection:name:asc';
  const cursor = query.cursor ? decodeCursor(query.cursor, sortKey) : null;
  const rows = sqliteOf(db)
    .prepare(
      `${PROTECTION_STATUS_ROWS}
      select page.*, h.name as host_name,
        p.created_at as point_at, p.consistency as point_consistency,
        o.id as run_id, o.status as run_status, o.created_at as run_at
      from (
        select * from statuses
        where (:status is null or status = :status)
          and (:search is null or vm_name like :search escape '\\')
          and (:cursorName is null or (vm_name, vm_id) > (:cursorName, :cursorId))
        order by vm_name, vm_id
        limit :limit
      ) page
      join hosts h on h.id = page.host_id
      left join restore_points p on p.id = page.point_id
      -- The page's VMs only: their last operation, newest first.
      left join operations o on o.id = (
        select lo.id from operation_vms ov join operations lo on lo.id = ov.operation_id
        where ov.vm_id = page.vm_id order by lo.created_at desc, lo.id desc limit 1)
      order by page.vm_name, page.vm_id`,
    )
    .all({
      now: now.getTime(),
      status: query.status ?? null,
      search: query.search ? containsPattern(query.search) : null,
      cursorName: cursor ? String(cursor.value) : null,
      cursorId: cursor?.id ?? null,
      limit: query.limit + 1,
    }) as ProtectionRow[];
  const hasMore = rows.length > query.limit;
  const items = (hasMore ? rows.slice(0, query.limit) : rows).map(toVmProtection);
  const last = items.at(-1);
  return { items, nextCursor: hasMore && last ? encodeCursor(sortKey, last.vmName, last.vmId) : null };
}

export interface ProtectionSummary {
  totalVms: number;
  byStatus: Record<ProtectionStatus, number>;
}

export function summarizeProtection(db: Db, now: Date = new Date()): ProtectionSummary {
  const rows = sqliteOf(db)
    .prepare(`${PROTECTION_STATUS_ROWS} select status, count(*) as n from statuses group by status`)
    .all({ now: now.getTime() }) as { status: ProtectionStatus; n: number }[];
  const byStatus: Record<ProtectionStatus, number> = {
    unprotected: 0,
    'rpo-exceeded': 0,
    'no-policy': 0,
    protected: 0,
  };
  for (const row of rows) byStatus[row.status] = row.n;
  return { totalVms: rows.reduce((sum, row) => sum + row.n, 0), byStatus };
}

export interface RunNeedingAttention {
  operationId: string;
  kind: 'backup' | 'restore';
  status: 'failed' | 'interrupted';
  title: string;
  error: string | null;
  jobId: string | null;
  createdAt: Date;
  finishedAt: Date | null;
}

/**
 * Failed and interrupted runs of the last `days` days that nobody has retried yet, newest first.
 * The retry lookup is bounded to operations created after the failed one (the created_at index).
 */
export function listRunsNeedingAttention(
  db: Db,
  now: Date = new Date(),
  options: { days?: number; limit?: number } = {},
): RunNeedingAttention[] {
  const since = now.getTime() - (options.days ?? 14) * 86_400_000;
  const rows = sqliteOf(db)
    .prepare(
      `select o.id, o.kind, o.status, o.title, o.error, o.job_id, o.created_at, o.finished_at
       from operations o
       where o.status in ('failed', 'interrupted') and o.created_at >= :since
         and not exists (select 1 from operations r where r.created_at >= o.created_at and r.retry_of_id = o.id)
       order by o.created_at desc, o.id desc
       limit :limit`,
    )
    .all({ since, limit: options.limit ?? 20 }) as {
    id: string;
    kind: 'backup' | 'restore';
    status: 'failed' | 'interrupted';
    title: string;
    error: string | null;
    job_id: string | null;
    created_at: number;
    finished_at: number | null;
  }[];
  return rows.map((row) => ({
    operationId: row.id,
    kind: row.kind,
    status: row.status,
    title: row.title,
    error: row.error,
    jobId: row.job_id,
    createdAt: new Date(row.created_at),
    finishedAt: row.finished_at === null ? null : new Date(row.finished_at),
  }));
}

export interface ProtectionActivityDay {
  /** UTC calendar day, YYYY-MM-DD. */
  day: string;
  pointsByConsistency: Record<Consistency, number>;
  backupsByResult: {
    succeeded: number;
    failed: number;
    interrupted: number;
    cancelled: number;
    active: number;
  };
}

function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** One entry per UTC day of the last `days` days (today included), zeros where nothing happened. */
export function getProtectionActivity(
  db: Db,
  now: Date = new Date(),
  days = 14,
): { days: ProtectionActivityDay[] } {
  const todayStart = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const since = todayStart - (days - 1) * 86_400_000;
  const byDay = new Map<string, ProtectionActivityDay>();
  for (let i = 0; i < days; i += 1) {
    const day = utcDay(since + i * 86_400_000);
    byDay.set(day, {
      day,
      pointsByConsistency: { crash: 0, filesystem: 0, application: 0 },
      backupsByResult: { succeeded: 0, failed: 0, interrupted: 0, cancelled: 0, active: 0 },
    });
  }
  const sqlite = sqliteOf(db);
  // restore_point_daily_counts holds one row per (UTC day, consistency), kept by triggers on
  // restore_points: the chart reads at most 3 × `days` rows however large the catalogue is.
  const pointDays = sqlite
    .prepare(
      `select day, consistency, points from restore_point_daily_counts
       where day >= :sinceDay and day < :sinceDay + :days`,
    )
    .all({ sinceDay: since / 86_400_000, days }) as {
    day: number;
    consistency: Consistency;
    points: number;
  }[];
  for (const row of pointDays) {
    const entry = byDay.get(utcDay(row.day * 86_400_000));
    if (entry && (CONSISTENCY_LEVELS as readonly string[]).includes(row.consistency)) {
      entry.pointsByConsistency[row.consistency] += row.points;
    }
  }
  const runs = sqlite
    .prepare(
      `select strftime('%Y-%m-%d', created_at / 1000, 'unixepoch') as day, status, count(*) as n
       from operations where kind = 'backup' and created_at >= :since group by day, status`,
    )
    .all({ since }) as { day: string; status: OperationStatus; n: number }[];
  for (const row of runs) {
    const entry = byDay.get(row.day);
    if (!entry) continue;
    const results = entry.backupsByResult;
    if (row.status === 'succeeded' || row.status === 'failed' || row.status === 'interrupted') {
      results[row.status] += row.n;
    } else if (row.status === 'cancelled') results.cancelled += row.n;
    else results.active += row.n;
  }
  return { days: [...byDay.values()] };
}
