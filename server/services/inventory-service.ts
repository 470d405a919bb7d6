/**
 * Inventory reads for the console: lists (filtered, sorted and paged in SQL with keyset
 * cursors; a page never loads more than `limit + 1` rows), detail views, findings, method plans
 * and the dashboard. Every function takes the database first and throws DomainError NOT_FOUND
 * for an unknown id.
 */
import { and, asc, count, eq, inArray, or, type SQL, sql } from 'drizzle-orm';
import { alias, type SQLiteColumn } from 'drizzle-orm/sqlite-core';
import type { z } from 'zod';
import type { Db } from '../../db/client';
import {
  arrayVolumes,
  consistencyGroups,
  findings,
  guestVolumes,
  hosts,
  hostVolumes,
  storageArrays,
  virtualDisks,
  vmAssessments,
  vms,
} from '../../db/schema';
import {
  afterCursor,
  containsPattern,
  decodeCursor,
  orderBy,
  type SortValue,
  toPage,
} from '../../db/stores/sqlite/keyset';
import type {
  ArrayVolume,
  ConsistencyGroup,
  GuestVolume,
  Host,
  HostVolume,
  StorageArray,
  VirtualDisk,
  Vm,
} from '../engine/inventory';
import type { MethodPlan } from '../engine/planner';
import {
  type BackupMethod,
  type CaptureState,
  type Consistency,
  type ObjectRef,
  READINESS,
  type Readiness,
  type RuleId,
  SEVERITIES,
  type Severity,
} from '../engine/types';
import {
  type ArrayListInput,
  arrayListInput,
  type FindingsInput,
  findingsInput,
  type HostListInput,
  type HostVolumeListInput,
  hostListInput,
  hostVolumeListInput,
  type Page,
  type VmListInput,
  vmListInput,
} from '../schemas/inventory-queries';
import { DomainError, notFound } from './errors';
import { parseInput } from './parse-input';

// ---------------------------------------------------------------------------------------------
// shared pieces

function parseQuery<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  return parseInput(schema, input ?? {});
}

function where(conditions: (SQL | undefined)[]): SQL | undefined {
  const present = conditions.filter((condition): condition is SQL => condition !== undefined);
  return present.length === 0 ? undefined : and(...present);
}

function emptyReadinessCounts(): Record<Readiness, number> {
  return Object.fromEntries(READINESS.map((readiness) => [readiness, 0])) as Record<Readiness, number>;
}

function emptySeverityCounts(): Record<Severity, number> {
  return Object.fromEntries(SEVERITIES.map((severity) => [severity, 0])) as Record<Severity, number>;
}

// Correlated subqueries below are written with explicit table names and aliases: drizzle leaves
// column names unqualified when the outer query has a single table, which would silently bind
// them to the inner table instead (host and array counts came out as 0).

// ---------------------------------------------------------------------------------------------
// VMs

export interface VmListItem {
  id: string;
  name: string;
  hostId: string;
  hostName: string;
  osFamily: Vm['osFamily'];
  powerState: Vm['powerState'];
  applications: Vm['applications'];
  readiness: Readiness;
  recommendedMethod: BackupMethod | null;
  blockerCount: number;
  warningCount: number;
}

/**
 * Every VM has an assessment row: imports and seeding recompute them in the same transaction, so
 * lists join vm_assessments with an inner join and its indexed sort keys can drive the query.
 */
export function listVms(db: Db, input: VmListInput = {}): Page<VmListItem> {
  const query = parseQuery(vmListInput, input);
  // Sort key and tie-breaker come from the same table so one index serves ORDER BY and the cursor.
  const sortColumns: Record<typeof query.sort, [SQLiteColumn, SQLiteColumn]> = {
    name: [vms.name, vms.id],
    host: [hosts.name, vms.id],
    readiness: [vmAssessments.readinessRank, vmAssessments.vmId],
    findings: [vmAssessments.findingWeight, vmAssessments.vmId],
    powerState: [vms.powerState, vms.id],
  };
  const [sort, tieBreaker] = sortColumns[query.sort];
  const sortKey = `vms:${query.sort}:${query.direction}`;

  // IN (subquery) filters use the (filter, vm_id) indexes of disks and findings directly.
  const filters = where([
    query.hostId ? eq(vms.hostId, query.hostId) : undefined,
    query.osFamily ? eq(vms.osFamily, query.osFamily) : undefined,
    query.powerState ? eq(vms.powerState, query.powerState) : undefined,
    query.readiness ? eq(vmAssessments.readiness, query.readiness) : undefined,
    query.search ? sql`${vms.name} like ${containsPattern(query.search)} escape '\\'` : undefined,
    // applications and tags are JSON arrays of a few items; json_each keeps the filter in SQL.
    query.application
      ? sql`exists (select 1 from json_each(${vms.applications}) a where a.value = ${query.application})`
      : undefined,
    query.tag ? sql`exists (select 1 from json_each(${vms.tags}) t where t.value = ${query.tag})` : undefined,
    query.hostVolumeId
      ? sql`"vms"."id" in (select d.vm_id from virtual_disks d where d.host_volume_id = ${query.hostVolumeId})`
      : undefined,
    query.arrayVolumeId
      ? sql`"vms"."id" in (select d.vm_id from virtual_disks d where d.array_volume_id = ${query.arrayVolumeId}
          union select d.vm_id from virtual_disks d where d.host_volume_id in
            (select hv.id from host_volumes hv where hv.array_volume_id = ${query.arrayVolumeId}))`
      : undefined,
    query.ruleId || query.severity
      ? sql`"vms"."id" in (select f.vm_id from findings f where ${sql.join(
          [
            query.ruleId ? sql`f.rule_id = ${query.ruleId}` : undefined,
            query.severity ? sql`f.severity = ${query.severity}` : undefined,
          ].filter((condition) => condition !== undefined),
          sql` and `,
        )})`
      : undefined,
  ]);
  const cursor = query.cursor ? decodeCursor(query.cursor, sortKey) : null;

  const rows = db
    .select({
      id: vms.id,
      name: vms.name,
      hostId: vms.hostId,
      hostName: hosts.name,
      osFamily: vms.osFamily,
      powerState: vms.powerState,
      applications: vms.applications,
      readiness: vmAssessments.readiness,
      recommendedMethod: vmAssessments.recommendedMethod,
      blockerCount: vmAssessments.blockerCount,
      warningCount: vmAssessments.warningCount,
      sortValue: sql<SortValue>`${sort}`,
    })
    .from(vms)
    .innerJoin(hosts, eq(hosts.id, vms.hostId))
    .innerJoin(vmAssessments, eq(vmAssessments.vmId, vms.id))
    .where(where([filters, cursor ? afterCursor(sort, tieBreaker, query.direction, cursor) : undefined]))
    .orderBy(...orderBy(sort, tieBreaker, query.direction))
    .limit(query.limit + 1)
    .all();
  const total = db
    .select({ n: count() })
    .from(vms)
    .innerJoin(vmAssessments, eq(vmAssessments.vmId, vms.id))
    .where(filters)
    .get();
  return { ...toPage(rows, query.limit, sortKey), total: total?.n ?? 0 };
}

export interface StoredFinding {
  id: number;
  vmId: string | null;
  vmName: string | null;
  hostId: string | null;
  ruleId: RuleId;
  severity: Severity;
  message: string;
  remedy: string;
  methods: BackupMethod[];
  objects: ObjectRef[];
}

const findingColumns = {
  id: findings.id,
  vmId: findings.vmId,
  vmName: vms.name,
  hostId: findings.hostId,
  ruleId: findings.ruleId,
  severity: findings.severity,
  message: findings.message,
  remedy: findings.remedy,
  methods: findings.methodsJson,
  objects: findings.objectsJson,
};

export interface VmAssessmentSummary {
  readiness: Readiness;
  recommendedMethod: BackupMethod | null;
  consistency: Consistency | null;
  captureState: CaptureState | null;
  blockerCount: number;
  warningCount: number;
  infoCount: number;
}

export interface DiskDetail extends VirtualDisk {
  hostVolume: HostVolume | null;
  /** The LUN behind the disk: its own (pass-through) or its host volume's. */
  arrayVolume: ArrayVolume | null;
  array: StorageArray | null;
  consistencyGroup: ConsistencyGroup | null;
}

export interface VmDetail {
  vm: Vm;
  host: Host;
  disks: DiskDetail[];
  guestVolumes: GuestVolume[];
  findings: StoredFinding[];
  assessment: VmAssessmentSummary | null;
  readiness: Readiness | null;
  plan: MethodPlan | null;
  snapshotLocationVolume: HostVolume | null;
}

export function getVm(db: Db, id: string): VmDetail {
  const vm = db.select().from(vms).where(eq(vms.id, id)).get();
  if (!vm) throw notFound('VM', id);
  const host = db.select().from(hosts).where(eq(hosts.id, vm.hostId)).get();
  if (!host) throw notFound('Host', vm.hostId);

  const disks = db
    .select()
    .from(virtualDisks)
    .where(eq(virtualDisks.vmId, id))
    .orderBy(asc(virtualDisks.name))
    .all();
  const volumeIds = [
    ...new Set(
      [...disks.map((disk) => disk.hostVolumeId), vm.snapshotLocationVolumeId].filter(
        (v): v is string => v !== null,
      ),
    ),
  ];
  const volumes = volumeIds.length
    ? db.select().from(hostVolumes).where(inArray(hostVolumes.id, volumeIds)).all()
    : [];
  const volumesById = new Map(volumes.map((volume) => [volume.id, volume]));
  const lunIds = [
    ...new Set(
      disks
        .map(
          (disk) =>
            disk.arrayVolumeId ??
            (disk.hostVolumeId ? volumesById.get(disk.hostVolumeId)?.arrayVolumeId : null),
        )
        .filter((v): v is string => typeof v === 'string'),
    ),
  ];
  const luns = lunIds.length
    ? db.select().from(arrayVolumes).where(inArray(arrayVolumes.id, lunIds)).all()
    : [];
  const lunsById = new Map(luns.map((lun) => [lun.id, lun]));
  const arrayIds = [...new Set(luns.map((lun) => lun.arrayId))];
  const arraysById = new Map(
    (arrayIds.length
      ? db.select().from(storageArrays).where(inArray(storageArrays.id, arrayIds)).all()
      : []
    ).map((array) => [array.id, array]),
  );
  const groupIds = [
    ...new Set(luns.map((lun) => lun.consistencyGroupId).filter((v): v is string => v !== null)),
  ];
  const groupsById = new Map(
    (groupIds.length
      ? db.select().from(consistencyGroups).where(inArray(consistencyGroups.id, groupIds)).all()
      : []
    ).map((group) => [group.id, group]),
  );

  const diskDetails: DiskDetail[] = disks.map((disk) => {
    const hostVolume = disk.hostVolumeId ? (volumesById.get(disk.hostVolumeId) ?? null) : null;
    const lunId = disk.arrayVolumeId ?? hostVolume?.arrayVolumeId ?? null;
    const arrayVolume = lunId ? (lunsById.get(lunId) ?? null) : null;
    return {
      ...disk,
      hostVolume,
      arrayVolume,
      array: arrayVolume ? (arraysById.get(arrayVolume.arrayId) ?? null) : null,
      consistencyGroup: arrayVolume?.consistencyGroupId
        ? (groupsById.get(arrayVolume.consistencyGroupId) ?? null)
        : null,
    };
  });

  const assessmentRow = db.select().from(vmAssessments).where(eq(vmAssessments.vmId, id)).get();
  const assessment: VmAssessmentSummary | null = assessmentRow
    ? {
        readiness: assessmentRow.readiness,
        recommendedMethod: assessmentRow.recommendedMethod,
        consistency: assessmentRow.consistency,
        captureState: assessmentRow.captureState,
        blockerCount: assessmentRow.blockerCount,
        warningCount: assessmentRow.warningCount,
        infoCount: assessmentRow.infoCount,
      }
    : null;

  return {
    vm,
    host,
    disks: diskDetails,
    guestVolumes: db
      .select()
      .from(guestVolumes)
      .where(eq(guestVolumes.vmId, id))
      .orderBy(asc(guestVolumes.mountPoint))
      .all(),
    findings: selectFindings(db, eq(findings.vmId, id)),
    assessment,
    readiness: assessment?.readiness ?? null,
    plan: (assessmentRow?.planJson as MethodPlan | undefined) ?? null,
    snapshotLocationVolume: vm.snapshotLocationVolumeId
      ? (volumesById.get(vm.snapshotLocationVolumeId) ?? null)
      : null,
  };
}

export function getMethodPlan(db: Db, vmId: string): MethodPlan {
  const row = db
    .select({ id: vms.id, plan: vmAssessments.planJson })
    .from(vms)
    .leftJoin(vmAssessments, eq(vmAssessments.vmId, vms.id))
    .where(eq(vms.id, vmId))
    .get();
  if (!row) throw notFound('VM', vmId);
  if (!row.plan) {
    throw new DomainError(
      'PRECONDITION_FAILED',
      `VM "${vmId}" has not been assessed yet; re-import the inventory`,
    );
  }
  return row.plan as MethodPlan;
}

// ---------------------------------------------------------------------------------------------
// findings

function selectFindings(db: Db, condition: SQL | undefined, limit?: number): StoredFinding[] {
  const query = db
    .select(findingColumns)
    .from(findings)
    .leftJoin(vms, eq(vms.id, findings.vmId))
    .where(condition)
    .orderBy(asc(findings.severityRank), asc(findings.ruleId), asc(vms.name), asc(findings.id));
  return (limit === undefined ? query.all() : query.limit(limit).all()) as StoredFinding[];
}

/**
 * The first findings of the whole estate, most serious first. Read severity by severity through the
 * (severity, vm_id) index, so a large estate is never sorted as a whole for one capped page.
 */
function firstFindingsOfEstate(db: Db): StoredFinding[] {
  const result: StoredFinding[] = [];
  for (const severity of SEVERITIES) {
    const wanted = FINDINGS_LIST_CAP + 1 - result.length;
    if (wanted <= 0) break;
    const rows = db
      .select(findingColumns)
      .from(findings)
      .leftJoin(vms, eq(vms.id, findings.vmId))
      .where(eq(findings.severity, severity))
      .orderBy(asc(findings.severity), asc(findings.vmId))
      .limit(wanted)
      .all() as StoredFinding[];
    result.push(...rows);
  }
  return result;
}

/** At most this many findings are returned for the whole estate; counts always cover all of them. */
export const FINDINGS_LIST_CAP = 500;

export interface FindingsList {
  findings: StoredFinding[];
  /** True when more findings matched than were returned (estate-wide lists are capped). */
  isTruncated: boolean;
  counts: {
    total: number;
    bySeverity: Record<Severity, number>;
    byRule: { ruleId: RuleId; severity: Severity; count: number }[];
  };
}

export function listFindings(db: Db, input: FindingsInput = {}): FindingsList {
  const query = parseQuery(findingsInput, input);
  if (query.vmId && !db.select({ id: vms.id }).from(vms).where(eq(vms.id, query.vmId)).get()) {
    throw notFound('VM', query.vmId);
  }
  if (query.hostId && !db.select({ id: hosts.id }).from(hosts).where(eq(hosts.id, query.hostId)).get()) {
    throw notFound('Host', query.hostId);
  }
  const condition = where([
    query.vmId ? eq(findings.vmId, query.vmId) : undefined,
    query.hostId ? eq(findings.hostId, query.hostId) : undefined,
  ]);
  const list = condition ? selectFindings(db, condition, FINDINGS_LIST_CAP + 1) : firstFindingsOfEstate(db);
  const byRule = db
    .select({ ruleId: findings.ruleId, severity: findings.severity, count: count() })
    .from(findings)
    .where(condition)
    .groupBy(findings.ruleId, findings.severity)
    .orderBy(sql`count(*) desc`, asc(findings.ruleId))
    .all();
  const bySeverity = emptySeverityCounts();
  for (const row of byRule) bySeverity[row.severity] += row.count;
  return {
    findings: list.slice(0, FINDINGS_LIST_CAP),
    isTruncated: list.length > FINDINGS_LIST_CAP,
    counts: { total: byRule.reduce((sum, row) => sum + row.count, 0), bySeverity, byRule },
  };
}

// ---------------------------------------------------------------------------------------------
// hosts

export interface HostListItem extends Host {
  vmCount: number;
  volumeCount: number;
  readinessCounts: Record<Readiness, number>;
}

const hostVmCount = sql<number>`(select count(*) from vms hv where hv.host_id = "hosts"."id")`;
const hostVolumeCount = sql<number>`(select count(*) from host_volumes v where v.host_id = "hosts"."id")`;

export function listHosts(db: Db, input: HostListInput = {}): Page<HostListItem> {
  const query = parseQuery(hostListInput, input);
  const sort = { name: hosts.name, kind: hosts.kind, vmCount: hostVmCount }[query.sort];
  const sortKey = `hosts:${query.sort}:${query.direction}`;
  const filters = where([
    query.kind ? eq(hosts.kind, query.kind) : undefined,
    query.search
      ? or(
          sql`${hosts.name} like ${containsPattern(query.search)} escape '\\'`,
          sql`${hosts.pool} like ${containsPattern(query.search)} escape '\\'`,
        )
      : undefined,
  ]);
  const cursor = query.cursor ? decodeCursor(query.cursor, sortKey) : null;
  const rows = db
    .select({
      id: hosts.id,
      name: hosts.name,
      kind: hosts.kind,
      version: hosts.version,
      pool: hosts.pool,
      hasVssAwareProduct: hosts.hasVssAwareProduct,
      offersQuiescedSnapshots: hosts.offersQuiescedSnapshots,
      vmCount: hostVmCount,
      volumeCount: hostVolumeCount,
      sortValue: sql<SortValue>`${sort}`,
    })
    .from(hosts)
    .where(where([filters, cursor ? afterCursor(sort, hosts.id, query.direction, cursor) : undefined]))
    .orderBy(...orderBy(sort, hosts.id, query.direction))
    .limit(query.limit + 1)
    .all();
  const page = toPage(rows, query.limit, sortKey);
  const readinessByHost = readinessCountsByHost(
    db,
    page.items.map((host) => host.id),
  );
  const total = db.select({ n: count() }).from(hosts).where(filters).get()?.n ?? 0;
  return {
    items: page.items.map((host) => ({
      ...host,
      readinessCounts: readinessByHost.get(host.id) ?? emptyReadinessCounts(),
    })),
    nextCursor: page.nextCursor,
    total,
  };
}

function readinessCountsByHost(db: Db, hostIds: string[]): Map<string, Record<Readiness, number>> {
  const result = new Map<string, Record<Readiness, number>>();
  if (hostIds.length === 0) return result;
  const rows = db
    .select({ hostId: vms.hostId, readiness: vmAssessments.readiness, n: count() })
    .from(vms)
    .innerJoin(vmAssessments, eq(vmAssessments.vmId, vms.id))
    .where(inArray(vms.hostId, hostIds))
    .groupBy(vms.hostId, vmAssessments.readiness)
    .all();
  for (const row of rows) {
    const counts = result.get(row.hostId) ?? emptyReadinessCounts();
    counts[row.readiness] = row.n;
    result.set(row.hostId, counts);
  }
  return result;
}

export interface VmRef {
  id: string;
  name: string;
  powerState: Vm['powerState'];
  readiness: Readiness | null;
}

export interface HostVolumeWithVms extends HostVolume {
  vms: VmRef[];
}

export interface HostDetail {
  host: Host;
  volumes: HostVolumeWithVms[];
  vmCount: number;
  readinessCounts: Record<Readiness, number>;
  findingCounts: Record<Severity, number>;
}

export function getHost(db: Db, id: string): HostDetail {
  const host = db.select().from(hosts).where(eq(hosts.id, id)).get();
  if (!host) throw notFound('Host', id);
  const volumes = db
    .select()
    .from(hostVolumes)
    .where(eq(hostVolumes.hostId, id))
    .orderBy(asc(hostVolumes.name))
    .all();
  const vmsByVolume = vmsOnHostVolumes(
    db,
    volumes.map((volume) => volume.id),
  );
  const findingCounts = emptySeverityCounts();
  for (const row of db
    .select({ severity: findings.severity, n: count() })
    .from(findings)
    .where(eq(findings.hostId, id))
    .groupBy(findings.severity)
    .all()) {
    findingCounts[row.severity] = row.n;
  }
  const readinessCounts = readinessCountsByHost(db, [id]).get(id) ?? emptyReadinessCounts();
  return {
    host,
    volumes: volumes.map((volume) => ({ ...volume, vms: vmsByVolume.get(volume.id) ?? [] })),
    vmCount: db.select({ n: count() }).from(vms).where(eq(vms.hostId, id)).get()?.n ?? 0,
    readinessCounts,
    findingCounts,
  };
}

/** VMs with at least one disk on each of the given host volumes, by volume, sorted by name. */
function vmsOnHostVolumes(db: Db, volumeIds: string[]): Map<string, VmRef[]> {
  const result = new Map<string, VmRef[]>();
  if (volumeIds.length === 0) return result;
  const rows = db
    .selectDistinct({
      volumeId: virtualDisks.hostVolumeId,
      id: vms.id,
      name: vms.name,
      powerState: vms.powerState,
      readiness: vmAssessments.readiness,
    })
    .from(virtualDisks)
    .innerJoin(vms, eq(vms.id, virtualDisks.vmId))
    .leftJoin(vmAssessments, eq(vmAssessments.vmId, vms.id))
    .where(inArray(virtualDisks.hostVolumeId, volumeIds))
    .orderBy(asc(vms.name), asc(vms.id))
    .all();
  for (const { volumeId, ...vm } of rows) {
    if (!volumeId) continue;
    const list = result.get(volumeId) ?? [];
    list.push(vm);
    result.set(volumeId, list);
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// host volumes

export interface HostVolumeListItem extends HostVolume {
  hostName: string;
  vmCount: number;
  shadowStorageVolumeName: string | null;
  arrayVolumeName: string | null;
  arrayName: string | null;
}

const shadowVolume = alias(hostVolumes, 'shadow_volume');
const volumeVmCount = sql<number>`(select count(distinct d.vm_id) from virtual_disks d where d.host_volume_id = "host_volumes"."id")`;

export function listHostVolumes(db: Db, input: HostVolumeListInput = {}): Page<HostVolumeListItem> {
  const query = parseQuery(hostVolumeListInput, input);
  const sort = {
    name: hostVolumes.name,
    host: hosts.name,
    freeBytes: hostVolumes.freeBytes,
    vmCount: volumeVmCount,
  }[query.sort];
  const sortKey = `host-volumes:${query.sort}:${query.direction}`;
  const filters = where([
    query.hostId ? eq(hostVolumes.hostId, query.hostId) : undefined,
    query.arrayVolumeId ? eq(hostVolumes.arrayVolumeId, query.arrayVolumeId) : undefined,
    query.vssEnabled === undefined ? undefined : eq(hostVolumes.vssEnabled, query.vssEnabled),
    query.search ? sql`${hostVolumes.name} like ${containsPattern(query.search)} escape '\\'` : undefined,
  ]);
  const cursor = query.cursor ? decodeCursor(query.cursor, sortKey) : null;
  const rows = db
    .select({
      id: hostVolumes.id,
      hostId: hostVolumes.hostId,
      name: hostVolumes.name,
      kind: hostVolumes.kind,
      sizeBytes: hostVolumes.sizeBytes,
      freeBytes: hostVolumes.freeBytes,
      vssEnabled: hostVolumes.vssEnabled,
      shadowStorageVolumeId: hostVolumes.shadowStorageVolumeId,
      shadowStorageLimitBytes: hostVolumes.shadowStorageLimitBytes,
      arrayVolumeId: hostVolumes.arrayVolumeId,
      hostName: hosts.name,
      vmCount: volumeVmCount,
      shadowStorageVolumeName: shadowVolume.name,
      arrayVolumeName: arrayVolumes.name,
      arrayName: storageArrays.name,
      sortValue: sql<SortValue>`${sort}`,
    })
    .from(hostVolumes)
    .innerJoin(hosts, eq(hosts.id, hostVolumes.hostId))
    .leftJoin(shadowVolume, eq(shadowVolume.id, hostVolumes.shadowStorageVolumeId))
    .leftJoin(arrayVolumes, eq(arrayVolumes.id, hostVolumes.arrayVolumeId))
    .leftJoin(storageArrays, eq(storageArrays.id, arrayVolumes.arrayId))
    .where(where([filters, cursor ? afterCursor(sort, hostVolumes.id, query.direction, cursor) : undefined]))
    .orderBy(...orderBy(sort, hostVolumes.id, query.direction))
    .limit(query.limit + 1)
    .all();
  const total =
    db
      .select({ n: count() })
      .from(hostVolumes)
      .innerJoin(hosts, eq(hosts.id, hostVolumes.hostId))
      .where(filters)
      .get()?.n ?? 0;
  return { ...toPage(rows, query.limit, sortKey), total };
}

export interface HostVolumeVm extends VmRef {
  hostId: string;
  hostName: string;
  recommendedMethod: BackupMethod | null;
}

export interface HostVolumeDetail {
  volume: HostVolume;
  host: Host;
  shadowStorageVolume: HostVolume | null;
  arrayVolume: ArrayVolume | null;
  array: StorageArray | null;
  consistencyGroup: ConsistencyGroup | null;
  /** Every VM with a disk on this volume: they are captured and rolled back together by volume-level methods. */
  vms: HostVolumeVm[];
}

export function getHostVolume(db: Db, id: string): HostVolumeDetail {
  const volume = db.select().from(hostVolumes).where(eq(hostVolumes.id, id)).get();
  if (!volume) throw notFound('Host volume', id);
  const host = db.select().from(hosts).where(eq(hosts.id, volume.hostId)).get();
  if (!host) throw notFound('Host', volume.hostId);
  const shadowStorageVolume = volume.shadowStorageVolumeId
    ? (db.select().from(hostVolumes).where(eq(hostVolumes.id, volume.shadowStorageVolumeId)).get() ?? null)
    : null;
  const arrayVolume = volume.arrayVolumeId
    ? (db.select().from(arrayVolumes).where(eq(arrayVolumes.id, volume.arrayVolumeId)).get() ?? null)
    : null;
  const array = arrayVolume
    ? (db.select().from(storageArrays).where(eq(storageArrays.id, arrayVolume.arrayId)).get() ?? null)
    : null;
  const consistencyGroup = arrayVolume?.consistencyGroupId
    ? (db
        .select()
        .from(consistencyGroups)
        .where(eq(consistencyGroups.id, arrayVolume.consistencyGroupId))
        .get() ?? null)
    : null;
  const sharing = db
    .selectDistinct({
      id: vms.id,
      name: vms.name,
      powerState: vms.powerState,
      readiness: vmAssessments.readiness,
      recommendedMethod: vmAssessments.recommendedMethod,
      hostId: vms.hostId,
      hostName: hosts.name,
    })
    .from(virtualDisks)
    .innerJoin(vms, eq(vms.id, virtualDisks.vmId))
    .innerJoin(hosts, eq(hosts.id, vms.hostId))
    .leftJoin(vmAssessments, eq(vmAssessments.vmId, vms.id))
    .where(eq(virtualDisks.hostVolumeId, id))
    .orderBy(asc(vms.name), asc(vms.id))
    .all();
  return { volume, host, shadowStorageVolume, arrayVolume, array, consistencyGroup, vms: sharing };
}

// ---------------------------------------------------------------------------------------------
// arrays

export interface ArrayListItem extends StorageArray {
  volumeCount: number;
  consistencyGroupCount: number;
  vmCount: number;
}

const arrayVolumeCount = sql<number>`(select count(*) from array_volumes av where av.array_id = "storage_arrays"."id")`;
const arrayGroupCount = sql<number>`(select count(*) from consistency_groups cg where cg.array_id = "storage_arrays"."id")`;
/** Distinct VMs with data on each array (through host volumes / SRs or pass-through LUNs), for one page of arrays. */
function vmCountsByArray(db: Db, arrayIds: string[]): Map<string, number> {
  if (arrayIds.length === 0) return new Map();
  const ids = sql.join(
    arrayIds.map((id) => sql`${id}`),
    sql`, `,
  );
  const rows = db.all<{ arrayId: string; n: number }>(sql`
    select array_id as arrayId, count(distinct vm_id) as n from (
      select av.array_id, d.vm_id from array_volumes av
        join host_volumes hv on hv.array_volume_id = av.id
        join virtual_disks d on d.host_volume_id = hv.id
        where av.array_id in (${ids})
      union all
      select av.array_id, d.vm_id from array_volumes av
        join virtual_disks d on d.array_volume_id = av.id
        where av.array_id in (${ids})
    ) group by array_id`);
  return new Map(rows.map((row) => [row.arrayId, row.n]));
}

export function listArrays(db: Db, input: ArrayListInput = {}): Page<ArrayListItem> {
  const query = parseQuery(arrayListInput, input);
  const sort = { name: storageArrays.name, vendor: storageArrays.vendor }[query.sort];
  const sortKey = `arrays:${query.sort}:${query.direction}`;
  const filters = where([
    query.vendor ? eq(storageArrays.vendor, query.vendor) : undefined,
    query.search ? sql`${storageArrays.name} like ${containsPattern(query.search)} escape '\\'` : undefined,
  ]);
  const cursor = query.cursor ? decodeCursor(query.cursor, sortKey) : null;
  const rows = db
    .select({
      id: storageArrays.id,
      name: storageArrays.name,
      vendor: storageArrays.vendor,
      supportsSnapshots: storageArrays.supportsSnapshots,
      volumeCount: arrayVolumeCount,
      consistencyGroupCount: arrayGroupCount,
      sortValue: sql<SortValue>`${sort}`,
    })
    .from(storageArrays)
    .where(
      where([filters, cursor ? afterCursor(sort, storageArrays.id, query.direction, cursor) : undefined]),
    )
    .orderBy(...orderBy(sort, storageArrays.id, query.direction))
    .limit(query.limit + 1)
    .all();
  const total = db.select({ n: count() }).from(storageArrays).where(filters).get()?.n ?? 0;
  const page = toPage(rows, query.limit, sortKey);
  const vmCounts = vmCountsByArray(
    db,
    page.items.map((array) => array.id),
  );
  return {
    items: page.items.map((array) => ({ ...array, vmCount: vmCounts.get(array.id) ?? 0 })),
    nextCursor: page.nextCursor,
    total,
  };
}

export interface ArrayVolumeDetail extends ArrayVolume {
  consistencyGroup: ConsistencyGroup | null;
  /** Host volumes / SRs backed by this LUN. */
  hostVolumes: { id: string; name: string; hostId: string; hostName: string }[];
  /** VMs with data on this LUN (through a host volume or as a pass-through disk). */
  vms: VmRef[];
}

export interface ArrayDetail {
  array: StorageArray;
  volumes: ArrayVolumeDetail[];
  consistencyGroups: ConsistencyGroup[];
}

export function getArray(db: Db, id: string): ArrayDetail {
  const array = db.select().from(storageArrays).where(eq(storageArrays.id, id)).get();
  if (!array) throw notFound('Storage array', id);
  const volumes = db
    .select()
    .from(arrayVolumes)
    .where(eq(arrayVolumes.arrayId, id))
    .orderBy(asc(arrayVolumes.name))
    .all();
  const groups = db
    .select()
    .from(consistencyGroups)
    .where(eq(consistencyGroups.arrayId, id))
    .orderBy(asc(consistencyGroups.name))
    .all();
  const groupsById = new Map(groups.map((group) => [group.id, group]));
  const lunIds = volumes.map((volume) => volume.id);
  const backedHostVolumes = lunIds.length
    ? db
        .select({
          id: hostVolumes.id,
          name: hostVolumes.name,
          hostId: hosts.id,
          hostName: hosts.name,
          lunId: hostVolumes.arrayVolumeId,
        })
        .from(hostVolumes)
        .innerJoin(hosts, eq(hosts.id, hostVolumes.hostId))
        .where(inArray(hostVolumes.arrayVolumeId, lunIds))
        .orderBy(asc(hostVolumes.name))
        .all()
    : [];
  const lunOfDisk = sql<string>`coalesce("virtual_disks"."array_volume_id", (select bv.array_volume_id from host_volumes bv where bv.id = "virtual_disks"."host_volume_id"))`;
  const vmRows = lunIds.length
    ? db
        .selectDistinct({
          lunId: lunOfDisk,
          id: vms.id,
          name: vms.name,
          powerState: vms.powerState,
          readiness: vmAssessments.readiness,
        })
        .from(virtualDisks)
        .innerJoin(vms, eq(vms.id, virtualDisks.vmId))
        .leftJoin(vmAssessments, eq(vmAssessments.vmId, vms.id))
        .where(
          or(
            inArray(virtualDisks.arrayVolumeId, lunIds),
            inArray(
              virtualDisks.hostVolumeId,
              db
                .select({ id: hostVolumes.id })
                .from(hostVolumes)
                .where(inArray(hostVolumes.arrayVolumeId, lunIds)),
            ),
          ),
        )
        .orderBy(asc(vms.name), asc(vms.id))
        .all()
    : [];
  return {
    array,
    consistencyGroups: groups,
    volumes: volumes.map((volume) => ({
      ...volume,
      consistencyGroup: volume.consistencyGroupId
        ? (groupsById.get(volume.consistencyGroupId) ?? null)
        : null,
      hostVolumes: backedHostVolumes
        .filter((hostVolume) => hostVolume.lunId === volume.id)
        .map(({ lunId: _lunId, ...hostVolume }) => hostVolume),
      vms: vmRows.filter((row) => row.lunId === volume.id).map(({ lunId: _lunId, ...vm }) => vm),
    })),
  };
}

// ---------------------------------------------------------------------------------------------
// dashboard

export interface Dashboard {
  totals: { hosts: number; vms: number; volumes: number; arrays: number };
  readiness: Record<Readiness, number>;
  /** Most common first; `count` = findings, `vmCount` = distinct VMs affected. */
  topFindings: { ruleId: RuleId; severity: Severity; count: number; vmCount: number }[];
}

export function getDashboard(db: Db, topFindingsLimit = 10): Dashboard {
  const countOf = (table: typeof hosts | typeof vms | typeof hostVolumes | typeof storageArrays) =>
    db.select({ n: count() }).from(table).get()?.n ?? 0;
  const readiness = emptyReadinessCounts();
  for (const row of db
    .select({ readiness: vmAssessments.readiness, n: count() })
    .from(vmAssessments)
    .groupBy(vmAssessments.readiness)
    .all()) {
    readiness[row.readiness] = row.n;
  }
  const topFindings = db
    .select({
      ruleId: findings.ruleId,
      severity: findings.severity,
      count: count(),
      vmCount: sql<number>`count(distinct ${findings.vmId})`,
    })
    .from(findings)
    .groupBy(findings.ruleId, findings.severity)
    .orderBy(sql`count(*) desc`, asc(findings.severityRank), asc(findings.ruleId))
    .limit(topFindingsLimit)
    .all();
  return {
    totals: {
      hosts: countOf(hosts),
      vms: countOf(vms),
      volumes: countOf(hostVolumes),
      arrays: countOf(storageArrays),
    },
    readiness,
    topFindings,
  };
}
