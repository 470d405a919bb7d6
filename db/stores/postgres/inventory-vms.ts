/** VM list, VM detail and method plans on PostgreSQL. */
import { and, asc, count, eq, inArray, isNotNull, isNull, type SQL, sql } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import type { MethodPlan } from '../../../server/engine/planner';
import { protectionStatusOfRule } from '../../../server/engine/protection';
import { POWER_STATE_NOT_READ, type VmListQuery } from '../../../server/schemas/inventory-queries';
import type { PgDb } from '../../pg/client';
import {
  arrayVolumes,
  consistencyGroups,
  findings,
  guestVolumes,
  hosts,
  hostVolumes,
  operationCreatedVms,
  storageArrays,
  virtualDisks,
  vmAssessments,
  vms,
} from '../../pg/schema';
import { assessmentSummaryOf } from '../assessment-rows';
import type { DiskDetail, VmAssessmentSummary, VmDetail, VmListItem } from '../ports/inventory-views';
import type { Counted, Page } from '../ports/page';
import { type PresenceChanges, presenceChanges } from '../vm-presence';
import {
  firstRow,
  isFindingOfPresentVm,
  readinessIs,
  selectFindings,
  shownBlockerCount,
  shownOsFamily,
  shownPowerStateRank,
  shownReadiness,
  shownRecommendedMethod,
  shownWarningCount,
  where,
} from './inventory-shared';
import { afterCursor, decodeCursor, likeContains, orderBy, type SortValue, toPage } from './keyset';
import { vmIdsWithProtectionStatus } from './protection';
import type { PgTx } from './transaction';

/**
 * Every VM has an assessment row: imports and seeding recompute them in the same transaction, so
 * lists join vm_assessments with an inner join and its indexed sort keys can drive the query.
 */
export async function listVms(db: PgDb, query: VmListQuery, now: Date): Promise<Page<VmListItem> & Counted> {
  // Sort key and tie-breaker come from the same table so one index serves ORDER BY and the cursor.
  const sortColumns: Record<typeof query.sort, [PgColumn | SQL, PgColumn]> = {
    name: [vms.name, vms.id],
    host: [hosts.name, vms.id],
    readiness: [vmAssessments.readinessRank, vmAssessments.vmId],
    // The stored weight, so its index serves the sort: a gone VM (no counts shown) keeps the place
    // its last assessment gave it, as its readiness keeps its place in the readiness sort.
    findings: [vmAssessments.findingWeight, vmAssessments.vmId],
    // A rank, not the column: a state not read sorts after the states read (power-state-order.ts).
    powerState: [shownPowerStateRank, vms.id],
  };
  const [sort, tieBreaker] = sortColumns[query.sort];
  // The power-state sort's cursor carries a rank since it orders states not read apart: a cursor made
  // before carried a state's name, and is refused as another sort's rather than compared to a rank.
  const sortKey = `vms:${query.sort === 'powerState' ? 'powerStateRank' : query.sort}:${query.direction}`;

  // VM-UNPROTECTED and RPO-EXCEEDED are statuses at `now`, never stored findings: filter by status.
  const statusOfRule = protectionStatusOfRule(query.ruleId);
  const findingRuleId = statusOfRule ? undefined : query.ruleId;
  // IN (subquery) filters use the (filter, vm_id) indexes of disks and findings directly.
  const filters = where([
    query.protection ? sql`"vms"."id" in ${vmIdsWithProtectionStatus(query.protection, now)}` : undefined,
    statusOfRule ? sql`"vms"."id" in ${vmIdsWithProtectionStatus(statusOfRule, now)}` : undefined,
    query.hostId ? eq(vms.hostId, query.hostId) : undefined,
    // An unread guest's stored OS is a reader's default: it matches no OS (shownOsFamily).
    query.osFamily ? and(eq(vms.osFamily, query.osFamily), isNull(vms.guestFactsUnknown)) : undefined,
    // A VM whose state was not read is listed under "not read", never under the state it is planned as.
    query.powerState === POWER_STATE_NOT_READ
      ? isNotNull(vms.powerStateUnknown)
      : query.powerState
        ? and(eq(vms.powerState, query.powerState), isNull(vms.powerStateUnknown))
        : undefined,
    query.presence === 'gone' ? isNotNull(vms.goneSince) : undefined,
    query.presence === 'present' ? isNull(vms.goneSince) : undefined,
    query.readiness ? readinessIs(query.readiness) : undefined,
    query.search ? likeContains(vms.name, query.search) : undefined,
    // applications and tags are JSON arrays of a few items, filtered in SQL by their elements as
    // text (PostgreSQL's json_each yields json values, which have no = operator).
    query.application
      ? sql`exists (select 1 from json_array_elements_text(${vms.applications}) as a(value) where a.value = ${query.application})`
      : undefined,
    query.tag
      ? sql`exists (select 1 from json_array_elements_text(${vms.tags}) as t(value) where t.value = ${query.tag})`
      : undefined,
    query.hostVolumeId
      ? sql`"vms"."id" in (select d.vm_id from virtual_disks d where d.host_volume_id = ${query.hostVolumeId})`
      : undefined,
    query.arrayVolumeId
      ? sql`"vms"."id" in (select d.vm_id from virtual_disks d where d.array_volume_id = ${query.arrayVolumeId}
          union select d.vm_id from virtual_disks d where d.host_volume_id in
            (select hv.id from host_volumes hv where hv.array_volume_id = ${query.arrayVolumeId}))`
      : undefined,
    // A gone VM's findings are its own page's, no longer the estate's (sqlite/vm-list-filters.ts).
    findingRuleId || query.severity
      ? sql`(${isFindingOfPresentVm} and "vms"."id" in (select f.vm_id from findings f where ${sql.join(
          [
            findingRuleId ? sql`f.rule_id = ${findingRuleId}` : undefined,
            query.severity ? sql`f.severity = ${query.severity}` : undefined,
          ].filter((condition) => condition !== undefined),
          sql` and `,
        )}))`
      : undefined,
  ]);
  const cursor = query.cursor ? decodeCursor(query.cursor, sortKey) : null;

  const rows = await db
    .select({
      id: vms.id,
      name: vms.name,
      hostId: vms.hostId,
      hostName: hosts.name,
      osFamily: shownOsFamily,
      powerState: vms.powerState,
      powerStateUnknown: vms.powerStateUnknown,
      applications: vms.applications,
      readiness: shownReadiness,
      recommendedMethod: shownRecommendedMethod,
      blockerCount: shownBlockerCount,
      warningCount: shownWarningCount,
      goneSince: vms.goneSince,
      sortValue: sql<SortValue>`${sort}`,
    })
    .from(vms)
    .innerJoin(hosts, eq(hosts.id, vms.hostId))
    .innerJoin(vmAssessments, eq(vmAssessments.vmId, vms.id))
    .where(where([filters, cursor ? afterCursor(sort, tieBreaker, query.direction, cursor) : undefined]))
    .orderBy(...orderBy(sort, tieBreaker, query.direction))
    .limit(query.limit + 1);
  const total = await db
    .select({ n: count() })
    .from(vms)
    .innerJoin(vmAssessments, eq(vmAssessments.vmId, vms.id))
    .where(filters)
    .then(firstRow);
  return { ...toPage(rows, query.limit, sortKey), total: total?.n ?? 0 };
}

export async function getVm(db: PgDb, id: string): Promise<VmDetail | null> {
  const vm = await db.select().from(vms).where(eq(vms.id, id)).then(firstRow);
  if (!vm) return null;
  // The foreign key makes a missing host impossible short of a corrupt database.
  const host = await db.select().from(hosts).where(eq(hosts.id, vm.hostId)).then(firstRow);
  if (!host) throw new Error(`VM '${vm.name}' references host '${vm.hostId}', which is not stored`);

  const disks = await db
    .select()
    .from(virtualDisks)
    .where(eq(virtualDisks.vmId, id))
    .orderBy(asc(virtualDisks.name));
  const volumeIds = [
    ...new Set(
      [...disks.map((disk) => disk.hostVolumeId), vm.snapshotLocationVolumeId].filter(
        (v): v is string => v !== null,
      ),
    ),
  ];
  const volumes = volumeIds.length
    ? await db.select().from(hostVolumes).where(inArray(hostVolumes.id, volumeIds))
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
    ? await db.select().from(arrayVolumes).where(inArray(arrayVolumes.id, lunIds))
    : [];
  const lunsById = new Map(luns.map((lun) => [lun.id, lun]));
  const arrayIds = [...new Set(luns.map((lun) => lun.arrayId))];
  const arraysById = new Map(
    (arrayIds.length
      ? await db.select().from(storageArrays).where(inArray(storageArrays.id, arrayIds))
      : []
    ).map((array) => [array.id, array]),
  );
  const groupIds = [
    ...new Set(luns.map((lun) => lun.consistencyGroupId).filter((v): v is string => v !== null)),
  ];
  const groupsById = new Map(
    (groupIds.length
      ? await db.select().from(consistencyGroups).where(inArray(consistencyGroups.id, groupIds))
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

  const assessed = await db
    .select({ row: vmAssessments, readiness: shownReadiness })
    .from(vmAssessments)
    .innerJoin(vms, eq(vms.id, vmAssessments.vmId))
    .where(eq(vmAssessments.vmId, id))
    .then(firstRow);
  const assessmentRow = assessed?.row;
  const assessment: VmAssessmentSummary | null =
    assessed && assessmentRow ? assessmentSummaryOf(assessmentRow, assessed.readiness) : null;

  return {
    vm,
    host,
    disks: diskDetails,
    guestVolumes: await db
      .select()
      .from(guestVolumes)
      .where(eq(guestVolumes.vmId, id))
      .orderBy(asc(guestVolumes.mountPoint)),
    findings: await selectFindings(db, eq(findings.vmId, id)),
    assessment,
    readiness: assessment?.readiness ?? null,
    plan: (assessmentRow?.planJson as MethodPlan | undefined) ?? null,
    snapshotLocationVolume: vm.snapshotLocationVolumeId
      ? (volumesById.get(vm.snapshotLocationVolumeId) ?? null)
      : null,
  };
}

/** The VM's stored method plan (null before its first assessment); null when the VM is unknown. */
export async function findMethodPlan(db: PgDb, vmId: string): Promise<{ plan: MethodPlan | null } | null> {
  const row = await db
    .select({ id: vms.id, plan: vmAssessments.planJson })
    .from(vms)
    .leftJoin(vmAssessments, eq(vmAssessments.vmId, vms.id))
    .where(eq(vms.id, vmId))
    .then(firstRow);
  if (!row) return null;
  return { plan: (row.plan as MethodPlan | null) ?? null };
}

/**
 * Marks the host's VMs a full read (begun at `readStartedAt`) did not see as gone and clears the
 * mark of the seen ones (../vm-presence.ts); call inside a transaction.
 */
export async function markGoneVms(
  db: PgTx,
  hostId: string,
  seenVmIds: readonly string[],
  now: Date,
  readStartedAt: Date,
): Promise<PresenceChanges> {
  const stored = await db
    .select({
      id: vms.id,
      name: vms.name,
      goneSince: vms.goneSince,
      recordedAt: operationCreatedVms.recordedAt,
    })
    .from(vms)
    .leftJoin(operationCreatedVms, eq(operationCreatedVms.vmId, vms.id))
    .where(eq(vms.hostId, hostId))
    .orderBy(asc(vms.name))
    .for('update', { of: vms });
  const changes = presenceChanges(stored, seenVmIds, readStartedAt);
  await setGoneSince(db, changes.gone, now);
  await setGoneSince(db, changes.reappeared, null);
  return changes;
}

/** Records (or moves to `at`) when an operation created these VMs; see markGoneVms. */
export async function recordOperationCreatedVms(
  db: PgTx,
  created: readonly { id: string }[],
  at: Date,
): Promise<void> {
  if (created.length === 0) return;
  await db
    .insert(operationCreatedVms)
    .values(created.map((vm) => ({ vmId: vm.id, recordedAt: at })))
    .onConflictDoUpdate({ target: operationCreatedVms.vmId, set: { recordedAt: at } });
}

async function setGoneSince(
  db: PgTx,
  changed: readonly { id: string }[],
  goneSince: Date | null,
): Promise<void> {
  if (changed.length === 0) return;
  await db
    .update(vms)
    .set({ goneSince })
    .where(
      inArray(
        vms.id,
        changed.map((vm) => vm.id),
      ),
    );
}
