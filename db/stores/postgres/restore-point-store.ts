/**
 * The RestorePointStore on PostgreSQL. The protection read models follow through the triggers of
 * db/migrations-pg (0001), in the same transaction as each catalogue write, as on SQLite.
 */
import { and, asc, desc, eq, inArray, isNotNull, isNull, sql } from 'drizzle-orm';
import type { PgDb } from '../../pg/client';
import { pointVerifications, restorePointFiles, restorePoints, vms } from '../../pg/schema';
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
import {
  browseRestorePoints,
  queryActiveOperationsOn,
  queryDeletionImpact,
  queryPointsOnSameScope,
  queryPointVerifications,
  queryRestorePointFiles,
} from './restore-point-queries';
import { textArray } from './text-array';
import { inPgTransaction, type PgTx } from './transaction';

export class PgRestorePointStore implements RestorePointStore {
  constructor(private readonly db: PgDb) {}

  async catalog({ point, files, operationId, now, keptOnArray }: CatalogInput): Promise<boolean> {
    return inPgTransaction(this.db, async (tx, events) => {
      const [vm] = await tx.select({ hostId: vms.hostId }).from(vms).where(eq(vms.id, point.vmId));
      const [row] = await tx
        .insert(restorePoints)
        .values({ ...point, hostId: vm?.hostId ?? null, ...keptOnArrayColumns(keptOnArray) })
        // A resumed catalog step finds its point already there: UNIQUE(operation_id, vm_id).
        .onConflictDoNothing()
        .returning({ id: restorePoints.id });
      if (!row) return false;
      if (files.length > 0) {
        await tx
          .insert(restorePointFiles)
          .values(files.map((file) => ({ pointId: row.id, ...file })))
          .onConflictDoNothing();
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
    await inPgTransaction(this.db, async (tx, events) => {
      await tx.insert(pointVerifications).values({
        pointId: input.pointId,
        at: input.now,
        verdict: input.verdict,
        detailsJson: input.details,
        requestedBy: input.requestedBy,
      });
      const [point] = await tx
        .update(restorePoints)
        .set({ lastVerifiedAt: input.now, lastVerdict: input.verdict })
        .where(eq(restorePoints.id, input.pointId))
        .returning({ vmId: restorePoints.vmId });
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
    return inPgTransaction(this.db, async (tx, events) => {
      const [point] = await tx.delete(restorePoints).where(eq(restorePoints.id, pointId)).returning();
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
      .orderBy(asc(restorePoints.createdAt), asc(restorePoints.id));
  }

  async pointCountsByVm(vmIds: readonly string[]) {
    const counts: { vmId: string; vmName: string; points: number }[] = [];
    // Chunked: a statement takes at most 65,535 parameters.
    for (let start = 0; start < vmIds.length; start += 5000) {
      const rows = await this.db
        .selectDistinctOn([restorePoints.vmId], {
          vmId: restorePoints.vmId,
          vmName: restorePoints.vmName,
          points: sql<number>`(count(*) over (partition by ${restorePoints.vmId}))::int`,
        })
        .from(restorePoints)
        .where(inArray(restorePoints.vmId, vmIds.slice(start, start + 5000)))
        .orderBy(asc(restorePoints.vmId), desc(restorePoints.createdAt));
      counts.push(...rows);
    }
    return counts;
  }

  async get(pointId: string) {
    const [row] = await this.db.select().from(restorePoints).where(eq(restorePoints.id, pointId));
    return row ?? null;
  }

  async pointsOnSameScope(point: RestorePointRecord) {
    return queryPointsOnSameScope(this.db, point);
  }

  async pointsOfSnapshot(snapshotId: string) {
    return this.db
      .select()
      .from(restorePoints)
      .where(eq(restorePoints.snapshotId, snapshotId))
      .orderBy(asc(restorePoints.createdAt), asc(restorePoints.id));
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
    return inPgTransaction(this.db, async (tx): Promise<PoolSnapshotsResult> => {
      const result: PoolSnapshotsResult = { added: [], gone: [], reappeared: [] };
      const wasGone = await goneAmong(tx, snapshots);
      for (const { point, snapshotRef, snapshotName } of snapshots) {
        const [vm] = await tx.select({ hostId: vms.hostId }).from(vms).where(eq(vms.id, point.vmId));
        const [row] = await tx
          .insert(restorePoints)
          .values({
            ...point,
            hostId: vm?.hostId ?? null,
            locationKind: 'pool-snapshot',
            locationRef: snapshotRef,
            locationName: snapshotName,
          })
          .onConflictDoNothing()
          .returning({ id: restorePoints.id });
        if (row) result.added.push({ id: point.id, vmName: point.vmName, name: snapshotName });
        else if (!wasGone.has(point.id))
          await tx
            .update(restorePoints)
            .set(listedAgain(point, snapshotName))
            .where(and(eq(restorePoints.id, point.id), isNull(restorePoints.goneSince)));
        else {
          // Another node's sync may have brought it back since the read: the one that did reports it.
          const back = await tx
            .update(restorePoints)
            .set({ ...listedAgain(point, snapshotName), ...REAPPEARED })
            .where(and(eq(restorePoints.id, point.id), isNotNull(restorePoints.goneSince)))
            .returning({ id: restorePoints.id });
          if (back.length > 0)
            result.reappeared.push({ id: point.id, vmName: point.vmName, name: snapshotName });
        }
      }
      for (const orphan of orphans) {
        await tx
          .update(restorePoints)
          .set({ locationNote: orphan.note })
          .where(and(eq(restorePoints.id, orphan.pointId), isNull(restorePoints.goneSince)));
      }
      const listed = new Set([
        ...snapshots.map((snapshot) => snapshot.point.id),
        ...orphans.map((orphan) => orphan.pointId),
      ]);
      const stored =
        hostIds.length === 0
          ? []
          : await tx
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
              );
      for (const point of stored.filter((candidate) => !listed.has(candidate.id))) {
        const marked = await tx
          .update(restorePoints)
          // Its data is gone: the verdict a verify would record, so the protection read models (kept
          // by triggers on last_verdict) stop counting it as the VM's last good point.
          .set({ goneSince: now, goneReason, lastVerdict: 'missing', lastVerifiedAt: now })
          // Another node's sync, or a delete, may have committed since the read: that one said it.
          .where(and(eq(restorePoints.id, point.id), isNull(restorePoints.goneSince)))
          .returning({ id: restorePoints.id });
        if (marked.length > 0)
          result.gone.push({ id: point.id, vmName: point.vmName, name: point.name ?? point.id });
      }
      return result;
    });
  }

  async vmIdsCataloguedBy(operationId: string) {
    const rows = await this.db
      .select({ vmId: restorePoints.vmId })
      .from(restorePoints)
      .where(eq(restorePoints.operationId, operationId))
      .orderBy(asc(restorePoints.vmId));
    return rows.map((row) => row.vmId);
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
async function goneAmong(tx: PgTx, snapshots: PoolSnapshotsInput['snapshots']): Promise<Set<string>> {
  if (snapshots.length === 0) return new Set();
  const rows = await tx
    .select({ id: restorePoints.id })
    .from(restorePoints)
    .where(
      and(
        isNotNull(restorePoints.goneSince),
        sql`${restorePoints.id} = any(${textArray(snapshots.map((snapshot) => snapshot.point.id))})`,
      ),
    );
  return new Set(rows.map((row) => row.id));
}

const REAPPEARED = reappearedColumns(restorePoints.id, pointVerifications);
