/**
 * ProtectionStore on PostgreSQL: the same SQL as ../sqlite/protection.ts over the same read models
 * (kept by the triggers of db/migrations-pg 0001 and 0032), with PostgreSQL's JSON functions. Times cross
 * the wire as epoch milliseconds, as SQLite stores them, so both stores map rows the same way.
 */
import { type SQL, sql } from 'drizzle-orm';
import type { ProtectionStatus } from '../../../server/engine/protection';
import type { OperationKind, OperationStatus } from '../../../server/engine/statuses';
import type { CaptureState, Consistency } from '../../../server/engine/types';
import type { PgDb } from '../../pg/client';
import type {
  PointCountBucket,
  ProtectionStore,
  RunNeedingAttention,
  VmProtection,
  VmProtectionFacts,
  VmProtectionQuery,
} from '../ports/protection';
import { unfinishedRetryOf } from '../status-rows';
import { containsPattern, decodeCursor, keysetPage } from './keyset';

/** Epoch milliseconds of a timestamptz expression, as a JS number. */
const ms = (column: string) => `(extract(epoch from ${column}) * 1000)::float8`;

/**
 * One row per VM with its protection status (see the SQLite module for how it stays fast). The
 * VMs a 'vms' scope names come from backup_job_vms, kept by a trigger on backup_jobs (migration
 * 0032), never from the job's JSON list. With `vmIds` (the VM list's page), the rows of those VMs
 * only: `vms` read by primary key, each named VM looked up in backup_job_vms (vm_id, job_id), and
 * each other coverage branch restricted to the named VMs beside the index column it already walks,
 * so a page does not compute every VM's coverage to keep 25 rows. Same rows as without, for those
 * VMs.
 */
function protectionStatusRows(now: Date, vmIds?: readonly string[]): SQL {
  // One text[] parameter, its value known when the statement is planned (not an InitPlan).
  const named = vmIds ? sql`${sql.param([...vmIds])}::text[]` : null;
  /** ` and <column> is a named VM`, with `vmIds` only. */
  const andNamed = (column: string) => (named ? sql` and ${sql.raw(column)} = any(${named})` : sql``);
  return sql`
  with enabled_jobs as materialized (
    select id, rpo_hours,
      request_json -> 'scope' ->> 'kind' as scope_kind,
      request_json -> 'scope' ->> 'hostVolumeId' as host_volume_id,
      request_json -> 'scope' ->> 'arrayVolumeId' as array_volume_id
    from backup_jobs where is_enabled
  ),
  covered (vm_id, rpo_hours) as (
    ${
      named
        ? sql`select b.vm_id, j.rpo_hours from backup_job_vms b
      join backup_jobs j on j.id = b.job_id and j.is_enabled
      where b.vm_id = any(${named})`
        : sql`select b.vm_id, j.rpo_hours from enabled_jobs j
      join backup_job_vms b on b.job_id = j.id`
    }
    union all
    select d.vm_id, j.rpo_hours from enabled_jobs j
      join virtual_disks d on d.host_volume_id = j.host_volume_id${andNamed('d.vm_id')}
      where j.scope_kind = 'host-volume'
    union all
    select d.vm_id, j.rpo_hours from enabled_jobs j
      join virtual_disks d on d.array_volume_id = j.array_volume_id${andNamed('d.vm_id')}
      where j.scope_kind = 'array-volume'
    union all
    select d.vm_id, j.rpo_hours from enabled_jobs j
      join host_volumes hv on hv.array_volume_id = j.array_volume_id
      join virtual_disks d on d.host_volume_id = hv.id${andNamed('d.vm_id')} and d.array_volume_id is null
      where j.scope_kind = 'array-volume'
    union all
    select c.vm_id, j.rpo_hours from enabled_jobs j
      ${
        named
          ? // offset 0 keeps the subquery from being pulled up into a join: one (job_id, vm_id) key
            // lookup per job. Pulled up, the planner hashed the jobs against the whole key index
            // whenever it guessed many enabled jobs (the estimate of a CTE it has no statistics for).
            sql`cross join lateral (select c.vm_id from restore_point_job_vms c
                where c.job_id = j.id and c.vm_id = any(${named}) offset 0) c`
          : sql`join restore_point_job_vms c on c.job_id = j.id`
      }
  ),
  vm_rpo as materialized (
    select vm_id, min(rpo_hours) as rpo_hours from covered group by vm_id
  ),
  statuses as (
    select v.id as vm_id, v.name as vm_name, v.host_id, g.point_id, r.rpo_hours,
      case
        -- A VM its host's sync no longer sees is neither unprotected nor late: it is gone.
        when v.gone_since is not null then 'gone'
        when g.point_id is null then 'unprotected'
        when r.rpo_hours is null then 'no-policy'
        when ${sql.raw(ms('g.created_at'))} < ${now.getTime()}::float8 - r.rpo_hours * 3600000 then 'rpo-exceeded'
        -- Within the RPO, but the point lacks some of the VM's disks: never plain "protected".
        when lp.is_partial then 'partial'
        else 'protected'
      end as status
    from vms v
    join hosts h on h.id = v.host_id
    left join vm_latest_good_points g on g.vm_id = v.id
    left join restore_points lp on lp.id = g.point_id
    left join vm_rpo r on r.vm_id = v.id
    ${named ? sql`where v.id = any(${named})` : sql``}
  )`;
}

/**
 * The ids of the VMs whose protection status at `now` is `status`, as a SQL subquery for other
 * lists (the VM list filters with it): the very computation the protection page shows.
 */
export function vmIdsWithProtectionStatus(status: ProtectionStatus, now: Date): SQL {
  return sql`(${protectionStatusRows(now)} select vm_id from statuses where status = ${status})`;
}

/** A JSON array column as node-postgres hands it over (parsed json, or text). */
function idsOf(value: string[] | string | null): string[] {
  if (value === null) return [];
  return Array.isArray(value) ? value : (JSON.parse(value) as string[]);
}

/** A VM's status, RPO and newest good point: the columns the facts and the list share. */
interface FactsRow {
  vm_id: string;
  point_id: string | null;
  point_at: number | null;
  point_consistency: Consistency | null;
  point_capture_state: CaptureState | null;
  point_is_partial: boolean | null;
  point_held_disks: string[] | string | null;
  point_missing_disks: string[] | string | null;
  rpo_hours: number | null;
  status: ProtectionStatus;
}

interface ProtectionRow extends FactsRow {
  vm_name: string;
  host_id: string;
  host_name: string;
  run_id: string | null;
  run_status: OperationStatus | null;
  run_at: number | null;
}

function toFacts(row: FactsRow): VmProtectionFacts {
  return {
    vmId: row.vm_id,
    status: row.status,
    lastPoint:
      row.point_id && row.point_at !== null && row.point_consistency && row.point_capture_state
        ? {
            id: row.point_id,
            createdAt: new Date(row.point_at),
            consistency: row.point_consistency,
            captureState: row.point_capture_state,
            isPartial: row.point_is_partial === true,
            heldDiskIds: idsOf(row.point_held_disks),
            missingDiskIds: idsOf(row.point_missing_disks),
          }
        : null,
    rpoHours: row.rpo_hours,
  };
}

function toVmProtection(row: ProtectionRow): VmProtection {
  return {
    ...toFacts(row),
    vmName: row.vm_name,
    hostId: row.host_id,
    hostName: row.host_name,
    lastRun:
      row.run_id && row.run_status && row.run_at !== null
        ? { operationId: row.run_id, status: row.run_status, createdAt: new Date(row.run_at) }
        : null,
  };
}

const DAY_MS = 86_400_000;

function utcDay(dayMs: number): string {
  return new Date(dayMs).toISOString().slice(0, 10);
}

async function rowsOf<T>(db: PgDb, query: SQL): Promise<T[]> {
  const result = await db.execute(query);
  return result.rows as T[];
}

/** The columns of a VM's newest good point, joined as `p`. */
const POINT_COLUMNS =
  sql.raw(`${ms('p.created_at')} as point_at, p.consistency as point_consistency, p.capture_state as point_capture_state,
        p.is_partial as point_is_partial, p.held_disks_json as point_held_disks,
        p.missing_disks_json as point_missing_disks`);

/** The named VMs' statuses with their points only, as on SQLite (no host name, no last run, no page). */
async function protectionFactsOf(db: PgDb, vmIds: readonly string[], now: Date) {
  if (vmIds.length === 0) return [];
  const rows = await rowsOf<FactsRow>(
    db,
    sql`${protectionStatusRows(now, vmIds)}
      select s.vm_id, s.status, s.rpo_hours, s.point_id, ${POINT_COLUMNS}
      from statuses s
      left join restore_points p on p.id = s.point_id`,
  );
  return rows.map(toFacts);
}

async function listVmProtection(db: PgDb, query: VmProtectionQuery, now: Date) {
  const sortKey = 'protection:name:asc';
  const cursor = query.cursor ? decodeCursor(query.cursor, sortKey) : null;
  const rows = await rowsOf<ProtectionRow>(
    db,
    sql`${protectionStatusRows(now, query.vmIds)}
      select page.*, h.name as host_name, ${POINT_COLUMNS},
        o.id as run_id, o.status as run_status, ${sql.raw(ms('o.created_at'))} as run_at
      from (
        select * from statuses
        where ${query.status ? sql`status = ${query.status}` : sql`true`}
          and ${query.search ? sql`vm_name ilike ${containsPattern(query.search)} escape '\\'` : sql`true`}
          and ${cursor ? sql`(vm_name, vm_id) > (${String(cursor.value)}, ${cursor.id})` : sql`true`}
        order by vm_name, vm_id
        limit ${query.limit + 1}
      ) page
      join hosts h on h.id = page.host_id
      left join restore_points p on p.id = page.point_id
      -- The VM's last backup, not any operation (see the SQLite store).
      left join operations o on o.id = (
        select lo.id from operation_vms ov join operations lo on lo.id = ov.operation_id
        where ov.vm_id = page.vm_id and lo.kind = 'backup'
        order by lo.created_at desc, lo.id desc limit 1)
      order by page.vm_name, page.vm_id`,
  );
  return keysetPage(rows.map(toVmProtection), query.limit, sortKey, (vm) => ({
    value: vm.vmName,
    id: vm.vmId,
  }));
}

async function countVmsByStatus(db: PgDb, now: Date): Promise<Partial<Record<ProtectionStatus, number>>> {
  const rows = await rowsOf<{ status: ProtectionStatus; n: string | number }>(
    db,
    sql`${protectionStatusRows(now)} select status, count(*) as n from statuses group by status`,
  );
  return Object.fromEntries(rows.map((row) => [row.status, Number(row.n)]));
}

/** As on SQLite: a failed run needs attention until retried; a warned one until a newer run of its job ended. */
async function listRunsNeedingAttention(db: PgDb, since: Date, limit: number) {
  const rows = await rowsOf<{
    id: string;
    kind: OperationKind;
    status: RunNeedingAttention['status'];
    title: string;
    error: string | null;
    warnings_json: string[];
    job_id: string | null;
    created_at: number;
    finished_at: number | null;
    unfinished_retry: string | null;
  }>(
    db,
    sql`select o.id, o.kind, o.status, o.title, o.error, o.warnings_json, o.job_id,
         ${sql.raw(ms('o.created_at'))} as created_at, ${sql.raw(ms('o.finished_at'))} as finished_at,
         (select r.id || ' ' || r.status from operations r
           where r.created_at >= o.created_at and r.retry_of_id = o.id
             and r.status in ('queued', 'waiting', 'running', 'cancelling')
           order by r.created_at desc, r.id desc limit 1) as unfinished_retry
       from operations o
       where o.created_at >= ${since} and (
         (o.status in ('failed', 'interrupted')
           -- Until a retry has ended the failure stands (one still queued or running has backed
           -- nothing up yet); a cancelled retry retried nothing, so it stands after one too.
           and not exists (select 1 from operations r where r.created_at >= o.created_at and r.retry_of_id = o.id
             and r.status in ('succeeded', 'succeeded-with-warnings', 'failed', 'interrupted')))
         or (o.status = 'succeeded-with-warnings'
           and (o.job_id is null or not exists (
             select 1 from operations n where n.job_id = o.job_id
               and n.status in ('succeeded', 'succeeded-with-warnings', 'failed', 'interrupted')
               and (n.created_at > o.created_at or (n.created_at = o.created_at and n.id > o.id)))))
       )
       order by o.created_at desc, o.id desc
       limit ${limit}`,
  );
  return rows.map((row) => ({
    operationId: row.id,
    kind: row.kind,
    status: row.status,
    title: row.title,
    error: row.error,
    warnings: row.warnings_json,
    jobId: row.job_id,
    createdAt: new Date(row.created_at),
    finishedAt: row.finished_at === null ? null : new Date(row.finished_at),
    unfinishedRetry: unfinishedRetryOf(row.unfinished_retry),
  }));
}

/** restore_point_daily_counts: at most 4 × `days` rows however large the catalogue is. */
async function countPointsByDay(db: PgDb, since: Date, days: number) {
  const sinceDay = Math.floor(since.getTime() / DAY_MS);
  const rows = await rowsOf<{ day: number; consistency: PointCountBucket; points: number }>(
    db,
    sql`select day, consistency, points from restore_point_daily_counts
       where day >= ${sinceDay} and day < ${sinceDay + days}`,
  );
  return rows.map((row) => ({
    day: utcDay(row.day * DAY_MS),
    consistency: row.consistency,
    points: row.points,
  }));
}

async function countBackupsByDay(db: PgDb, since: Date) {
  const rows = await rowsOf<{ day: string; status: OperationStatus; runs: string | number }>(
    db,
    sql`select to_char(created_at at time zone 'UTC', 'YYYY-MM-DD') as day, status, count(*) as runs
       from operations where kind = 'backup' and created_at >= ${since} group by 1, status`,
  );
  return rows.map((row) => ({ day: row.day, status: row.status, runs: Number(row.runs) }));
}

export function createPgProtectionStore(db: PgDb): ProtectionStore {
  return {
    listVmProtection: (query, now) => listVmProtection(db, query, now),
    protectionFactsOf: (vmIds, now) => protectionFactsOf(db, vmIds, now),
    countVmsByStatus: (now) => countVmsByStatus(db, now),
    listRunsNeedingAttention: (since, limit) => listRunsNeedingAttention(db, since, limit),
    countPointsByDay: (since, days) => countPointsByDay(db, since, days),
    countBackupsByDay: (since) => countBackupsByDay(db, since),
  };
}
