/**
 * ProtectionStore on SQLite. Everything is computed in SQL, and nothing reads the restore point
 * catalogue row by row: the per-VM facts and the chart's point counts come from small read models
 * that triggers on restore_points keep exact (db/schema-operations.ts, migration 0006), the VMs
 * each 'vms'-scope job names from one that triggers on backup_jobs keep (migration 0038), job
 * coverage is computed once per query from the few enabled jobs, and the list is keyset-paged on
 * (name, id) with the page's details (point, host, last run) looked up for the page's rows only.
 */
import { type Placeholder, type SQL, sql } from 'drizzle-orm';
import type { ProtectionStatus } from '../../../server/engine/protection';
import type { OperationKind, OperationStatus } from '../../../server/engine/statuses';
import type { CaptureState, Consistency } from '../../../server/engine/types';
import { type Db, sqliteOf } from '../../client';
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
import { rawPreparedIn } from './prepared';

/**
 * One row per VM with its protection status. `:now` is epoch ms. A job covers a VM when its scope
 * names it, holds one of its disks (host volume or LUN), or has already catalogued a point of it
 * (a VM captured together with the ones asked for); the strictest RPO of the enabled jobs wins.
 *
 * Built to answer for 20,000 VMs and a million points in a few milliseconds:
 * - job → VM coverage is computed once per query, walking from the few enabled jobs to the VMs
 *   (disks found through the (host_volume_id | array_volume_id, vm_id) indexes), then grouped per
 *   VM; not one JSON-parsing subquery per VM × job;
 * - the enabled jobs' scope (kind, host volume, LUN) is read from backup_jobs_scope_idx, an index
 *   on those expressions (migration 0039), not parsed from request_json: a 'vms' scope naming 1,000
 *   VMs is 11 KB of JSON, and parsing the five such jobs' was a fifth of the VM list page's
 *   protection statement (0.78 against 0.63 ms for a page of 50 on the bench's estate);
 * - the VMs a 'vms' scope names come from backup_job_vms, kept exact by triggers on backup_jobs
 *   (migration 0038), not from the job's JSON list: on the benchmark estate five jobs name 1,000
 *   VMs each, and parsing those lists was half of the VM list's statement;
 * - "has catalogued a point of it" and "newest good point" come from restore_point_job_vms and
 *   vm_latest_good_points, kept exact by triggers on restore_points (migration 0006), instead of
 *   searching the catalogue per VM; whether that point is partial is one primary-key lookup;
 * - a disk's LUN is its own or, when it has none, its host volume's (the coalesce of the model),
 *   split into two index lookups.
 *
 * A list asking for named VMs (`:vmIds`, a JSON array: the VM list's page) gets its own text from
 * the same builder, not an `:vmIds is null or …` condition: SQLite plans a statement once, for any
 * parameter, and a filter on the outer select walked every VM by name and computed the coverage of
 * every VM a job covers, to keep 25 rows (2.6 ms of the VM list's 2.8 ms at 20,000 VMs). The named
 * text reads `vms` by primary key and restricts each coverage branch to the named VMs: the volume
 * branches match the named VMs' disks (read once through the vm_id index) against the jobs'
 * volumes; the catalogued-point branch walks (job_id, vm_id) on restore_point_job_vms for the named
 * VMs; the 'vms' branch looks each named VM up in backup_job_vms (vm_id, job_id), then its jobs by
 * primary key. Its rows are the
 * whole-estate text's for the same VMs (the contract asks each branch for one VM beside a stricter
 * one not asked for, and follows a job's writes: contract/protection-job-changes.ts).
 */
function protectionStatusRows(scope: 'estate' | 'named'): string {
  const isNamed = scope === 'named';
  const inNamed = (column: string) => `${column} in (select value from json_each(:vmIds))`;
  /** ` and <column> is a named VM`, in the named text only. */
  const named = (column: string) => (isNamed ? ` and ${inNamed(column)}` : '');
  // The named VMs' few disks, read once by vm_id, are matched against the jobs' volumes: cheaper
  // than probing each job's volume index once per named VM (0.24 against 0.33 ms for a page of 50).
  const disks = isNamed ? 'named_disks' : 'virtual_disks';
  return `
  with enabled_jobs as materialized (
    select id, rpo_hours,
      json_extract(request_json, '$.scope.kind') as scope_kind,
      json_extract(request_json, '$.scope.hostVolumeId') as host_volume_id,
      json_extract(request_json, '$.scope.arrayVolumeId') as array_volume_id
    from backup_jobs where is_enabled = 1
  ),${
    isNamed
      ? `
  named_disks as materialized (
    select d.vm_id, d.host_volume_id, d.array_volume_id
    from json_each(:vmIds) n cross join virtual_disks d on d.vm_id = n.value
  ),`
      : ''
  }
  -- CROSS JOIN fixes the loops: from each job to its VMs or disks by index; for named VMs, from
  -- each VM to the 'vms'-scope jobs naming it.
  covered (vm_id, rpo_hours) as (
    ${
      isNamed
        ? `select b.vm_id, j.rpo_hours from json_each(:vmIds) n
      cross join backup_job_vms b on b.vm_id = n.value
      cross join backup_jobs j on j.id = b.job_id and j.is_enabled = 1`
        : `select b.vm_id, j.rpo_hours from enabled_jobs j
      cross join backup_job_vms b on b.job_id = j.id`
    }
    union all
    select d.vm_id, j.rpo_hours from enabled_jobs j
      cross join ${disks} d on d.host_volume_id = j.host_volume_id
      where j.scope_kind = 'host-volume'
    union all
    select d.vm_id, j.rpo_hours from enabled_jobs j
      cross join ${disks} d on d.array_volume_id = j.array_volume_id
      where j.scope_kind = 'array-volume'
    union all
    select d.vm_id, j.rpo_hours from enabled_jobs j
      cross join host_volumes hv on hv.array_volume_id = j.array_volume_id
      cross join ${disks} d on d.host_volume_id = hv.id and d.array_volume_id is null
      where j.scope_kind = 'array-volume'
    union all
    select c.vm_id, j.rpo_hours from enabled_jobs j
      cross join restore_point_job_vms c on c.job_id = j.id${named('c.vm_id')}
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
        when g.created_at < :now - r.rpo_hours * 3600000 then 'rpo-exceeded'
        -- Within the RPO, but the point lacks some of the VM's disks: never plain "protected".
        when lp.is_partial then 'partial'
        else 'protected'
      end as status
    from vms v
    join hosts h on h.id = v.host_id
    left join vm_latest_good_points g on g.vm_id = v.id
    left join restore_points lp on lp.id = g.point_id
    left join vm_rpo r on r.vm_id = v.id
    ${isNamed ? `where ${inNamed('v.id')}` : ''}
  )`;
}

const PROTECTION_STATUS_ROWS = protectionStatusRows('estate');

/**
 * The ids of the VMs whose protection status at `now` (epoch ms) is `status`, as a SQL subquery for
 * other lists (the VM list filters with it): the very computation the protection page shows. Both
 * are placeholders of the statement it goes into, which is prepared once.
 */
export function vmIdsWithProtectionStatus(status: Placeholder, now: Placeholder): SQL {
  const parts = PROTECTION_STATUS_ROWS.split(':now');
  const rows = sql.join(
    parts.map((part) => sql.raw(part)),
    sql`${now}`,
  );
  return sql`(${rows} select vm_id from statuses where status = ${status})`;
}

/** A VM's status, RPO and newest good point: the columns the facts and the list share. */
interface FactsRow {
  vm_id: string;
  point_id: string | null;
  point_at: number | null;
  point_consistency: Consistency | null;
  point_capture_state: CaptureState | null;
  point_is_partial: number | null;
  point_held_disks: string | null;
  point_missing_disks: string | null;
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
            isPartial: row.point_is_partial === 1,
            heldDiskIds: JSON.parse(row.point_held_disks ?? '[]') as string[],
            missingDiskIds: JSON.parse(row.point_missing_disks ?? '[]') as string[],
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

function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** The columns of a VM's newest good point, joined as `p`. */
const POINT_COLUMNS = `p.created_at as point_at, p.consistency as point_consistency, p.capture_state as point_capture_state, p.is_partial as point_is_partial,
        p.held_disks_json as point_held_disks, p.missing_disks_json as point_missing_disks`;

/** The protection list of one scope: a page of the statuses with each row's point, host and last run. */
function protectionListText(scope: 'estate' | 'named'): string {
  return `${protectionStatusRows(scope)}
      select page.*, h.name as host_name,
        ${POINT_COLUMNS},
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
      -- The page's VMs only: their last backup, newest first. Not any operation: a verify or a
      -- restore that succeeded after the night's backup failed would show that failure as a success.
      left join operations o on o.id = (
        select lo.id from operation_vms ov join operations lo on lo.id = ov.operation_id
        where ov.vm_id = page.vm_id and lo.kind = 'backup'
        order by lo.created_at desc, lo.id desc limit 1)
      order by page.vm_name, page.vm_id`;
}

/**
 * The named VMs' statuses with their points only: the VM list's page shows neither the host's name
 * (its own row has it) nor the last run, and without the page's sort and last-run lookups the
 * statement takes half the time (0.64 against 1.26 ms for a page of 50 on the bench's estate).
 */
const PROTECTION_FACTS = `${protectionStatusRows('named')}
      select s.vm_id, s.status, s.rpo_hours, s.point_id, ${POINT_COLUMNS}
      from statuses s
      left join restore_points p on p.id = s.point_id`;

/** The texts are built once; each is prepared once per connection (rawPreparedIn), not per call. */
const PROTECTION_LIST = { estate: protectionListText('estate'), named: protectionListText('named') };
const PROTECTION_COUNTS = `${PROTECTION_STATUS_ROWS} select status, count(*) as n from statuses group by status`;

function listVmProtection(db: Db, query: VmProtectionQuery, now: Date) {
  const sortKey = 'protection:name:asc';
  const cursor = query.cursor ? decodeCursor(query.cursor, sortKey) : null;
  const scope = query.vmIds ? 'named' : 'estate';
  const rows = rawPreparedIn(db, `protection:list:${scope}`, PROTECTION_LIST[scope]).all({
    now: now.getTime(),
    status: query.status ?? null,
    search: query.search ? containsPattern(query.search) : null,
    vmIds: query.vmIds ? JSON.stringify(query.vmIds) : null,
    cursorName: cursor ? String(cursor.value) : null,
    cursorId: cursor?.id ?? null,
    limit: query.limit + 1,
  }) as ProtectionRow[];
  return keysetPage(rows.map(toVmProtection), query.limit, sortKey, (vm) => ({
    value: vm.vmName,
    id: vm.vmId,
  }));
}

function protectionFactsOf(db: Db, vmIds: readonly string[], now: Date): VmProtectionFacts[] {
  if (vmIds.length === 0) return [];
  const rows = rawPreparedIn(db, 'protection:facts', PROTECTION_FACTS).all({
    now: now.getTime(),
    vmIds: JSON.stringify(vmIds),
  }) as FactsRow[];
  return rows.map(toFacts);
}

function countVmsByStatus(db: Db, now: Date): Partial<Record<ProtectionStatus, number>> {
  const rows = rawPreparedIn(db, 'protection:counts', PROTECTION_COUNTS).all({ now: now.getTime() }) as {
    status: ProtectionStatus;
    n: number;
  }[];
  return Object.fromEntries(rows.map((row) => [row.status, row.n]));
}

/**
 * The retry lookup is bounded to operations created after the failed one (the created_at index).
 * A job run that succeeded with warnings needs attention until a newer run of the job has ended
 * (clean, warned, failed or interrupted), which then speaks for the job (operations_job_created_idx).
 * A newer run still queued or running has backed nothing up yet, and a cancelled one never did:
 * neither says the warning is gone.
 */
function listRunsNeedingAttention(db: Db, since: Date, limit: number) {
  const rows = sqliteOf(db)
    .prepare(
      `select o.id, o.kind, o.status, o.title, o.error, o.warnings_json, o.job_id, o.created_at, o.finished_at,
         (select r.id || ' ' || r.status from operations r
           where r.created_at >= o.created_at and r.retry_of_id = o.id
             and r.status in ('queued', 'waiting', 'running', 'cancelling')
           order by r.created_at desc, r.id desc limit 1) as unfinished_retry
       from operations o
       where o.created_at >= :since and (
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
       limit :limit`,
    )
    .all({ since: since.getTime(), limit }) as {
    id: string;
    kind: OperationKind;
    status: RunNeedingAttention['status'];
    title: string;
    error: string | null;
    warnings_json: string;
    job_id: string | null;
    created_at: number;
    finished_at: number | null;
    unfinished_retry: string | null;
  }[];
  return rows.map((row) => ({
    operationId: row.id,
    kind: row.kind,
    status: row.status,
    title: row.title,
    error: row.error,
    warnings: JSON.parse(row.warnings_json) as string[],
    jobId: row.job_id,
    createdAt: new Date(row.created_at),
    finishedAt: row.finished_at === null ? null : new Date(row.finished_at),
    unfinishedRetry: unfinishedRetryOf(row.unfinished_retry),
  }));
}

/**
 * restore_point_daily_counts holds one row per (UTC day, consistency or saved state), kept by
 * triggers on restore_points: the chart reads at most 4 × `days` rows however large the catalogue is.
 */
function countPointsByDay(db: Db, since: Date, days: number) {
  const sinceDay = Math.floor(since.getTime() / DAY_MS);
  const rows = sqliteOf(db)
    .prepare(
      `select day, consistency, points from restore_point_daily_counts
       where day >= :sinceDay and day < :sinceDay + :days`,
    )
    .all({ sinceDay, days }) as { day: number; consistency: PointCountBucket; points: number }[];
  return rows.map((row) => ({
    day: utcDay(row.day * DAY_MS),
    consistency: row.consistency,
    points: row.points,
  }));
}

function countBackupsByDay(db: Db, since: Date) {
  return sqliteOf(db)
    .prepare(
      `select strftime('%Y-%m-%d', created_at / 1000, 'unixepoch') as day, status, count(*) as runs
       from operations where kind = 'backup' and created_at >= :since group by day, status`,
    )
    .all({ since: since.getTime() }) as { day: string; status: OperationStatus; runs: number }[];
}

export function createSqliteProtectionStore(db: Db): ProtectionStore {
  return {
    listVmProtection: async (query, now) => listVmProtection(db, query, now),
    protectionFactsOf: async (vmIds, now) => protectionFactsOf(db, vmIds, now),
    countVmsByStatus: async (now) => countVmsByStatus(db, now),
    listRunsNeedingAttention: async (since, limit) => listRunsNeedingAttention(db, since, limit),
    countPointsByDay: async (since, days) => countPointsByDay(db, since, days),
    countBackupsByDay: async (since) => countBackupsByDay(db, since),
  };
}
