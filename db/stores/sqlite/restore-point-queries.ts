/**
 * The SQLite reads of the restore point catalogue. The browser filters by VM, host, method,
 * consistency, job and date range, newest or oldest first, keyset-paged: every filter has a
 * (filter, created_at, id) index (db/schema-operations.ts), which SQLite walks forwards or
 * backwards, so both orders cost the same on page 1 and page 20,000 of a million points.
 */
import { and, asc, desc, eq, gte, inArray, lte, ne, type SQL } from 'drizzle-orm';
import type { Db } from '../../client';
import {
  hosts,
  operationPayloads,
  operations,
  pointVerifications,
  restorePointFiles,
  restorePoints,
} from '../../schema';
import type { Page } from '../ports/page';
import type {
  PointDeletionImpact,
  RestorePointBrowseItem,
  RestorePointBrowseQuery,
  RestorePointRecord,
} from '../ports/restore-point-store';
import { afterCursor, decodeCursor, keysetPage } from './keyset';

export function browseRestorePoints(db: Db, query: RestorePointBrowseQuery): Page<RestorePointBrowseItem> {
  const direction = query.sort === 'newest' ? 'desc' : 'asc';
  const sortKey = `restore-points:created:${direction}`;
  const cursor = query.cursor ? decodeCursor(query.cursor, sortKey) : null;
  const conditions: (SQL | undefined)[] = [
    query.vmId ? eq(restorePoints.vmId, query.vmId) : undefined,
    query.hostId ? eq(restorePoints.hostId, query.hostId) : undefined,
    query.method ? eq(restorePoints.method, query.method) : undefined,
    query.consistency ? eq(restorePoints.consistency, query.consistency) : undefined,
    query.jobId ? eq(restorePoints.jobId, query.jobId) : undefined,
    query.createdFrom ? gte(restorePoints.createdAt, query.createdFrom) : undefined,
    query.createdTo ? lte(restorePoints.createdAt, query.createdTo) : undefined,
    cursor
      ? // The cursor holds epoch milliseconds, the column's stored form: compared as plain integers.
        afterCursor(restorePoints.createdAt, restorePoints.id, direction, cursor)
      : undefined,
  ];
  const order = direction === 'desc' ? desc : asc;
  const rows = db
    .select({
      id: restorePoints.id,
      vmId: restorePoints.vmId,
      vmName: restorePoints.vmName,
      hostId: restorePoints.hostId,
      hostName: hosts.name,
      operationId: restorePoints.operationId,
      jobId: restorePoints.jobId,
      method: restorePoints.method,
      consistency: restorePoints.consistency,
      consistencyReason: restorePoints.consistencyReason,
      captureState: restorePoints.captureState,
      createdAt: restorePoints.createdAt,
      heldDiskIds: restorePoints.heldDisksJson,
      missingDiskIds: restorePoints.missingDisksJson,
      isPartial: restorePoints.isPartial,
      sizeBytes: restorePoints.sizeBytes,
      expiresAt: restorePoints.expiresAt,
      lastVerifiedAt: restorePoints.lastVerifiedAt,
      lastVerdict: restorePoints.lastVerdict,
      locationKind: restorePoints.locationKind,
      locationName: restorePoints.locationName,
      includesMemory: restorePoints.includesMemory,
      locationNote: restorePoints.locationNote,
      goneSince: restorePoints.goneSince,
      goneReason: restorePoints.goneReason,
    })
    .from(restorePoints)
    .leftJoin(hosts, eq(hosts.id, restorePoints.hostId))
    .where(and(...conditions.filter((condition): condition is SQL => condition !== undefined)))
    .orderBy(order(restorePoints.createdAt), order(restorePoints.id))
    .limit(query.limit + 1)
    .all();
  return keysetPage(rows, query.limit, sortKey, (row) => ({ value: row.createdAt.getTime(), id: row.id }));
}

export function queryRestorePointFiles(db: Db, pointId: string) {
  return db.select().from(restorePointFiles).where(eq(restorePointFiles.pointId, pointId)).all();
}

export function queryPointVerifications(db: Db, pointId: string, limit = 20) {
  return db
    .select()
    .from(pointVerifications)
    .where(eq(pointVerifications.pointId, pointId))
    .orderBy(desc(pointVerifications.at), desc(pointVerifications.id))
    .limit(limit)
    .all();
}

/** Points that share a scope with `point` (same volume for volume-level methods, else same VM). */
export function queryPointsOnSameScope(db: Db, point: RestorePointRecord): RestorePointRecord[] {
  const scope =
    point.method === 'wsb-volume' && point.hostVolumeId
      ? eq(restorePoints.hostVolumeId, point.hostVolumeId)
      : point.method === 'array-snapshot' && point.arrayVolumeId
        ? eq(restorePoints.arrayVolumeId, point.arrayVolumeId)
        : eq(restorePoints.vmId, point.vmId);
  return db.select().from(restorePoints).where(scope).all();
}

export function queryDeletionImpact(db: Db, pointId: string): PointDeletionImpact | null {
  const point = db
    .select({ id: restorePoints.id, vmId: restorePoints.vmId, vmName: restorePoints.vmName })
    .from(restorePoints)
    .where(eq(restorePoints.id, pointId))
    .get();
  if (!point) return null;
  const other = db
    .select({ id: restorePoints.id })
    .from(restorePoints)
    .where(and(eq(restorePoints.vmId, point.vmId), ne(restorePoints.id, pointId)))
    .limit(1)
    .get();
  return { pointId, vmId: point.vmId, vmName: point.vmName, isOnlyPointOfVm: other === undefined };
}

/** Active operations of a kind on this point (few are active: the status index bounds the scan). */
export function queryActiveOperationsOn(
  db: Pick<Db, 'select'>,
  pointId: string,
  kind: 'restore' | 'delete-point',
): string[] {
  return db
    .select({ id: operations.id, requestJson: operationPayloads.requestJson })
    .from(operations)
    .innerJoin(operationPayloads, eq(operationPayloads.operationId, operations.id))
    .where(
      and(
        eq(operations.kind, kind),
        inArray(operations.status, ['queued', 'waiting', 'running', 'cancelling']),
      ),
    )
    .all()
    .filter((operation) => operation.requestJson.restorePointId === pointId)
    .map((operation) => operation.id);
}
