/**
 * The PostgreSQL reads of the restore point catalogue, as ../sqlite/restore-point-queries.ts: every
 * browser filter has a (filter, created_at, id) index, walked forwards or backwards.
 */
import { and, asc, desc, eq, gte, inArray, lte, ne, type SQL } from 'drizzle-orm';
import type { PgDb } from '../../pg/client';
import {
  hosts,
  operationPayloads,
  operations,
  pointVerifications,
  restorePointFiles,
  restorePoints,
} from '../../pg/schema';
import type { Page } from '../ports/page';
import type {
  PointDeletionImpact,
  RestorePointBrowseItem,
  RestorePointBrowseQuery,
  RestorePointRecord,
} from '../ports/restore-point-store';
import { afterCursor, decodeCursor, keysetPage } from './keyset';

export async function browseRestorePoints(
  db: PgDb,
  query: RestorePointBrowseQuery,
): Promise<Page<RestorePointBrowseItem>> {
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
    cursor ? afterCursor(restorePoints.createdAt, restorePoints.id, direction, cursor) : undefined,
  ];
  const order = direction === 'desc' ? desc : asc;
  const rows = await db
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
    .limit(query.limit + 1);
  return keysetPage(rows, query.limit, sortKey, (row) => ({ value: row.createdAt.getTime(), id: row.id }));
}

export async function queryRestorePointFiles(db: PgDb, pointId: string) {
  return db
    .select()
    .from(restorePointFiles)
    .where(eq(restorePointFiles.pointId, pointId))
    .orderBy(asc(restorePointFiles.id));
}

export async function queryPointVerifications(db: PgDb, pointId: string, limit = 20) {
  return db
    .select()
    .from(pointVerifications)
    .where(eq(pointVerifications.pointId, pointId))
    .orderBy(desc(pointVerifications.at), desc(pointVerifications.id))
    .limit(limit);
}

/** Points that share a scope with `point` (same volume for volume-level methods, else same VM). */
export async function queryPointsOnSameScope(
  db: PgDb,
  point: RestorePointRecord,
): Promise<RestorePointRecord[]> {
  const scope =
    point.method === 'wsb-volume' && point.hostVolumeId
      ? eq(restorePoints.hostVolumeId, point.hostVolumeId)
      : point.method === 'array-snapshot' && point.arrayVolumeId
        ? eq(restorePoints.arrayVolumeId, point.arrayVolumeId)
        : eq(restorePoints.vmId, point.vmId);
  return db
    .select()
    .from(restorePoints)
    .where(scope)
    .orderBy(asc(restorePoints.createdAt), asc(restorePoints.id));
}

export async function queryDeletionImpact(db: PgDb, pointId: string): Promise<PointDeletionImpact | null> {
  const [point] = await db
    .select({ id: restorePoints.id, vmId: restorePoints.vmId, vmName: restorePoints.vmName })
    .from(restorePoints)
    .where(eq(restorePoints.id, pointId));
  if (!point) return null;
  const [other] = await db
    .select({ id: restorePoints.id })
    .from(restorePoints)
    .where(and(eq(restorePoints.vmId, point.vmId), ne(restorePoints.id, pointId)))
    .limit(1);
  return { pointId, vmId: point.vmId, vmName: point.vmName, isOnlyPointOfVm: other === undefined };
}

/** Active operations of a kind on this point (few are active: the status index bounds the scan). */
export async function queryActiveOperationsOn(
  db: Pick<PgDb, 'select'>,
  pointId: string,
  kind: 'restore' | 'delete-point',
): Promise<string[]> {
  const rows = await db
    .select({ id: operations.id, requestJson: operationPayloads.requestJson })
    .from(operations)
    .innerJoin(operationPayloads, eq(operationPayloads.operationId, operations.id))
    .where(
      and(
        eq(operations.kind, kind),
        inArray(operations.status, ['queued', 'waiting', 'running', 'cancelling']),
      ),
    );
  return rows
    .filter((operation) => operation.requestJson.restorePointId === pointId)
    .map((operation) => operation.id);
}
