/** The RestorePointStore on SQLite (the protection read models follow through triggers). */
import { and, eq, inArray, isNotNull, isNull } from 'drizzle-orm';
import { type Db, sqliteOf } from '../../client';
import { pointVerifications, restorePointFiles, restorePoints, vms } from '../../schema';
import type {
  CatalogInput,
  DeletePointInput,
  PoolSnapshotsInput,
  PoolSnapshotsResult,
  RestorePointBrowseQuery,
  RestorePointRecord,
  RestorePointStore,
  VerificationInput,
} from '../ports/restore-point-store';
import { listedAgain, reappearedColumns } from '../ports/restore-point-store';
import { inJson, jsonList } from './prepared';
import {
  browseRestorePoints,
  queryActiveOperationsOn,
  queryDeletionImpact,
  queryPointsOnSameScope,
  queryPointVerifications,
  queryRestorePointFiles,
} from './restore-point-queries';
import { inTransaction, type Tx } from './transaction';

export class SqliteRestorePointStore implements RestorePointStore {
  constructor(private readonly db: Db) {}

  async catalog({ point, files, operationId, now, keptOnArray }: CatalogInput): Promise<boolean> {
    return inTransaction(this.db, (tx, events) => {
      const hostId =
        tx.select({ hostId: vms.hostId }).from(vms).where(eq(vms.id, point.vmId)).get()?.hostId ?? null;
      const row = tx
        .insert(restorePoints)
        .values({ ...point, hostId, ...keptOnArrayColumns(keptOnArray) })
        // A resumed catalog step finds its point already there: UNIQUE(operation_id, vm_id).
        .onConflictDoNothing()
        .returning({ id: restorePoints.id })
        .get();
      if (!row) return false;
      if (files.length > 0) {
        tx.insert(restorePointFiles)
          .values(files.map((file) => ({ pointId: row.id, ...file })))
          .onConflictDoNothing()
          .run();
      }
      events.append(
        tx,
        operationId,
        'restore-point.created',
        { restorePointId: row.id, vmId: point.vmId, consistency: point.consistency },
        now,
      );
      return true;
    });
  }

  async recordVerification(input: VerificationInput): Promise<void> {
    inTransaction(this.db, (tx, events) => {
      tx.insert(pointVerifications)
        .values({
          pointId: input.pointId,
          at: input.now,
          verdict: input.verdict,
          detailsJson: input.details,
          requestedBy: input.requestedBy,
        })
        .run();
      const point = tx
        .update(restorePoints)
        .set({ lastVerifiedAt: input.now, lastVerdict: input.verdict })
        .where(eq(restorePoints.id, input.pointId))
        .returning({ vmId: restorePoints.vmId })
        .get();
      if (point && input.operationId) {
        events.append(
          tx,
          input.operationId,
          'restore-point.verified',
          { restorePointId: input.pointId, vmId: point.vmId, verdict: input.verdict },
          input.now,
        );
      }
    });
  }

  async deletePoint({
    pointId,
    operationId,
    reason,
    now,
  }: DeletePointInput): Promise<RestorePointRecord | null> {
    return inTransaction(this.db, (tx, events) => {
      const point = tx.delete(restorePoints).where(eq(restorePoints.id, pointId)).returning().get();
      const eventOperationId = operationId ?? point?.operationId;
      if (point && eventOperationId) {
        events.append(
          tx,
          eventOperationId,
          'restore-point.deleted',
          { restorePointId: pointId, vmId: point.vmId, reason },
          now,
        );
      }
      return point ?? null;
    });
  }

  async retentionCandidates(jobId: string, vmId: string) {
    return this.db
      .select({
        id: restorePoints.id,
        createdAt: restorePoints.createdAt,
        locationKind: restorePoints.locationKind,
        isPartial: restorePoints.isPartial,
        lastVerdict: restorePoints.lastVerdict,
        goneSince: restorePoints.goneSince,
      })
      .from(restorePoints)
      .where(and(eq(restorePoints.jobId, jobId), eq(restorePoints.vmId, vmId)))
      .all();
  }

  async pointCountsByVm(vmIds: readonly string[]) {
    // The bare vm_name beside max(created_at) is SQLite's documented min/max bare-column rule: the newest name.
    return sqliteOf(this.db)
      .prepare(
        `SELECT vm_id AS vmId, vm_name AS vmName, max(created_at) AS newest, count(*) AS points
         FROM restore_points WHERE vm_id IN (SELECT value FROM json_each(?)) GROUP BY vm_id`,
      )
      .all(JSON.stringify(vmIds))
      .map((row) => {
        const { vmId, vmName, points } = row as { vmId: string; vmName: string; points: number };
        return { vmId, vmName, points };
      });
  }

  async get(pointId: string) {
    return this.db.select().from(restorePoints).where(eq(restorePoints.id, pointId)).get() ?? null;
  }

  async pointsOnSameScope(point: RestorePointRecord) {
    return queryPointsOnSameScope(this.db, point);
  }

  async pointsOfSnapshot(snapshotId: string) {
    return this.db
      .select()
      .from(restorePoints)
      .where(eq(restorePoints.snapshotId, snapshotId))
      .orderBy(restorePoints.createdAt, restorePoints.id)
      .all();
  }

  async browse(query: RestorePointBrowseQuery) {
    return browseRestorePoints(this.db, query);
  }

  async files(pointId: string) {
    return queryRestorePointFiles(this.db, pointId);
  }

  async verifications(pointId: string, limit?: number) {
    return queryPointVerifications(this.db, pointId, limit);
  }

  async deletionImpact(pointId: string) {
    return queryDeletionImpact(this.db, pointId);
  }

  async activeRestoresOf(pointId: string) {
    return queryActiveOperationsOn(this.db, pointId, 'restore');
  }

  async activeDeletionsOf(pointId: string) {
    return queryActiveOperationsOn(this.db, pointId, 'delete-point');
  }

  async recordPoolSnapshots({ hostIds, snapshots, orphans = [], now, goneReason }: PoolSnapshotsInput) {
    return inTransaction(this.db, (tx): PoolSnapshotsResult => {
      const result: PoolSnapshotsResult = { added: [], gone: [], reappeared: [] };
      const wasGone = goneAmong(tx, snapshots);
      for (const { point, snapshotRef, snapshotName } of snapshots) {
        const hostId =
          tx.select({ hostId: vms.hostId }).from(vms).where(eq(vms.id, point.vmId)).get()?.hostId ?? null;
        const row = tx
          .insert(restorePoints)
          .values({
            ...point,
            hostId,
            locationKind: 'pool-snapshot',
            locationRef: snapshotRef,
            locationName: snapshotName,
          })
          .onConflictDoNothing()
          .returning({ id: restorePoints.id })
          .get();
        if (row) result.added.push({ id: point.id, vmName: point.vmName, name: snapshotName });
        else if (!wasGone.has(point.id))
          tx.update(restorePoints)
            .set(listedAgain(point, snapshotName))
            .where(and(eq(restorePoints.id, point.id), isNull(restorePoints.goneSince)))
            .run();
        else {
          tx.update(restorePoints)
            .set({ ...listedAgain(point, snapshotName), ...REAPPEARED })
            .where(eq(restorePoints.id, point.id))
            .run();
          result.reappeared.push({ id: point.id, vmName: point.vmName, name: snapshotName });
        }
      }
      for (const orphan of orphans) {
        tx.update(restorePoints)
          .set({ locationNote: orphan.note })
          .where(and(eq(restorePoints.id, orphan.pointId), isNull(restorePoints.goneSince)))
          .run();
      }
      const listed = new Set([
        ...snapshots.map((snapshot) => snapshot.point.id),
        ...orphans.map((orphan) => orphan.pointId),
      ]);
      const stored =
        hostIds.length === 0
          ? []
          : tx
              .select({
                id: restorePoints.id,
                vmName: restorePoints.vmName,
                name: restorePoints.locationName,
              })
              .from(restorePoints)
              .where(
                and(
                  eq(restorePoints.locationKind, 'pool-snapshot'),
                  isNull(restorePoints.goneSince),
                  inArray(restorePoints.hostId, [...hostIds]),
                ),
              )
              .all();
      for (const point of stored.filter((candidate) => !listed.has(candidate.id))) {
        tx.update(restorePoints)
          // Its data is gone: the verdict a verify would record, so the protection read models (kept
          // by triggers on last_verdict) stop counting it as the VM's last good point.
          .set({ goneSince: now, goneReason, lastVerdict: 'missing', lastVerifiedAt: now })
          .where(eq(restorePoints.id, point.id))
          .run();
        result.gone.push({ id: point.id, vmName: point.vmName, name: point.name ?? point.id });
      }
      return result;
    });
  }

  async vmIdsCataloguedBy(operationId: string) {
    return this.db
      .select({ vmId: restorePoints.vmId })
      .from(restorePoints)
      .where(eq(restorePoints.operationId, operationId))
      .all()
      .map((row) => row.vmId);
  }
}

/** The location columns of a point catalogued with its array snapshot kept on the array. */
function keptOnArrayColumns(kept: CatalogInput['keptOnArray']) {
  return kept
    ? {
        locationKind: 'array-snapshot' as const,
        locationRef: kept.snapshotRef,
        locationName: kept.snapshotName,
      }
    : {};
}

/** The points of these snapshots that a sync marked gone. */
function goneAmong(tx: Tx, snapshots: PoolSnapshotsInput['snapshots']): Set<string> {
  if (snapshots.length === 0) return new Set();
  const rows = tx
    .select({ id: restorePoints.id })
    .from(restorePoints)
    .where(and(isNotNull(restorePoints.goneSince), inJson(restorePoints.id, 'ids')))
    .all({ ids: jsonList(snapshots.map((snapshot) => snapshot.point.id)) });
  return new Set(rows.map((row) => row.id));
}

const REAPPEARED = reappearedColumns(restorePoints.id, pointVerifications);
