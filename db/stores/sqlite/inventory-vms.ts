/** VM list, VM detail and method plans on SQLite. */
import { asc, count, eq, inArray, type SQL, sql } from 'drizzle-orm';
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core';
import type { MethodPlan } from '../../../server/engine/planner';
import type { VmCountQuery, VmListQuery } from '../../../server/schemas/inventory-queries';
import type { Db } from '../../client';
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
} from '../../schema';
import { assessmentSummaryOf } from '../assessment-rows';
import type { DiskDetail, VmAssessmentSummary, VmDetail, VmListItem } from '../ports/inventory-views';
import type { Page } from '../ports/page';
import { type PresenceChanges, presenceChanges } from '../vm-presence';
import {
  selectFindings,
  shownBlockerCount,
  shownOsFamily,
  shownPowerStateRank,
  shownReadiness,
  shownRecommendedMethod,
  shownWarningCount,
  where,
} from './inventory-shared';
import { afterCursor, decodeCursor, orderBy, type SortValue, toPage } from './keyset';
import { preparedShapeIn } from './prepared';
import { vmFilterShape } from './vm-list-filters';

/**
 * Every VM has an assessment row: imports and seeding recompute them in the same transaction, so
 * lists join vm_assessments with an inner join and its indexed sort keys can drive the query.
 * The page reads `limit + 1` rows through the sort's index and counts nothing (countVms does).
 */
export function listVms(db: Db, query: VmListQuery, now: Date): Page<VmListItem> {
  // Sort key and tie-breaker come from the same table so one index serves ORDER BY and the cursor.
  const sortColumns: Record<typeof query.sort, [SQLiteColumn | SQL, SQLiteColumn]> = {
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
  const filters = vmFilterShape(query, now);
  const cursor = query.cursor ? decodeCursor(query.cursor, sortKey) : null;

  const page = preparedShapeIn(db, `vms:list:${sortKey}:${cursor ? 'after' : 'first'}:${filters.name}`, () =>
    db
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
      .where(
        where([
          filters.condition(),
          cursor
            ? afterCursor(sort, tieBreaker, query.direction, {
                value: sql.placeholder('cursorValue'),
                id: sql.placeholder('cursorId'),
              })
            : undefined,
        ]),
      )
      .orderBy(...orderBy(sort, tieBreaker, query.direction))
      .limit(sql.placeholder('limit'))
      .prepare(),
  );
  const rows = page.all({
    ...filters.values,
    ...(cursor ? { cursorValue: cursor.value, cursorId: cursor.id } : {}),
    limit: query.limit + 1,
  });
  return toPage(rows, query.limit, sortKey);
}

/** How many VMs match the list's filters, over all pages. */
export function countVms(db: Db, query: VmCountQuery, now: Date): number {
  const filters = vmFilterShape(query, now);
  const counted = preparedShapeIn(db, `vms:count:${filters.name}`, () =>
    db
      .select({ n: count() })
      .from(vms)
      .innerJoin(vmAssessments, eq(vmAssessments.vmId, vms.id))
      .where(filters.condition())
      .prepare(),
  );
  return counted.get(filters.values)?.n ?? 0;
}

export function getVm(db: Db, id: string): VmDetail | null {
  const vm = db.select().from(vms).where(eq(vms.id, id)).get();
  if (!vm) return null;
  // The foreign key makes a missing host impossible short of a corrupt database.
  const host = db.select().from(hosts).where(eq(hosts.id, vm.hostId)).get();
  if (!host) throw new Error(`VM '${vm.name}' references host '${vm.hostId}', which is not stored`);

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

  const assessed = db
    .select({ row: vmAssessments, readiness: shownReadiness })
    .from(vmAssessments)
    .innerJoin(vms, eq(vms.id, vmAssessments.vmId))
    .where(eq(vmAssessments.vmId, id))
    .get();
  const assessmentRow = assessed?.row;
  const assessment: VmAssessmentSummary | null =
    assessed && assessmentRow ? assessmentSummaryOf(assessmentRow, assessed.readiness) : null;

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

/** The VM's stored method plan (null before its first assessment); null when the VM is unknown. */
export function findMethodPlan(db: Db, vmId: string): { plan: MethodPlan | null } | null {
  const row = db
    .select({ id: vms.id, plan: vmAssessments.planJson })
    .from(vms)
    .leftJoin(vmAssessments, eq(vmAssessments.vmId, vms.id))
    .where(eq(vms.id, vmId))
    .get();
  if (!row) return null;
  return { plan: (row.plan as MethodPlan | null) ?? null };
}

/** Marks the host's VMs a full read did not see as gone and clears the mark of the seen ones; call inside a transaction. */
export function markGoneVms(
  db: Db,
  hostId: string,
  seenVmIds: readonly string[],
  now: Date,
  readStartedAt: Date,
): PresenceChanges {
  const stored = db
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
    .all();
  const changes = presenceChanges(stored, seenVmIds, readStartedAt);
  setGoneSince(db, changes.gone, now);
  setGoneSince(db, changes.reappeared, null);
  return changes;
}

/** Records (or moves to `at`) when an operation created these VMs; see markGoneVms. */
export function recordOperationCreatedVms(db: Db, created: readonly { id: string }[], at: Date): void {
  if (created.length === 0) return;
  db.insert(operationCreatedVms)
    .values(created.map((vm) => ({ vmId: vm.id, recordedAt: at })))
    .onConflictDoUpdate({ target: operationCreatedVms.vmId, set: { recordedAt: at } })
    .run();
}

function setGoneSince(db: Db, changed: readonly { id: string }[], goneSince: Date | null): void {
  if (changed.length === 0) return;
  db.update(vms)
    .set({ goneSince })
    .where(
      inArray(
        vms.id,
        changed.map((vm) => vm.id),
      ),
    )
    .run();
}
