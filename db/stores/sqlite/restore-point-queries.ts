/**
 * The SQLite reads of the restore point catalogue. The browser filters by VM, host, method,
 * consistency, job and date range, newest or oldest first, keyset-paged: every filter has a
 * (filter, created_at, id) index (db/schema-operations.ts), which SQLite walks forwards or
 * backwards, so both orders cost the same on page 1 and page 20,000 of a million points.
 */
import { and, asc, desc, eq, inArray, ne, type SQL, sql } from 'drizzle-orm';
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
import { preparedShapeIn } from './prepared';

/** The browser's filters: each is a condition of the statement when the query sets it. */
const BROWSE_FILTERS = [
  'vmId',
  'hostId',
  'method',
  'consistency',
  'jobId',
  'createdFrom',
  'createdTo',
] as const;

/**
 * A page of the catalogue, newest or oldest first. The statement is built and compiled once per
 * shape (which filters apply, the order, first page or after a cursor) and connection, its values
 * bound through placeholders: building it with Drizzle on every call cost more than SQLite took to
 * run it (issue 13; the VM list does the same, inventory-vms.ts).
 */
export function browseRestorePoints(db: Db, query: RestorePointBrowseQuery): Page<RestorePointBrowseItem> {
  const direction = query.sort === 'newest' ? 'desc' : 'asc';
  const sortKey = `restore-points:created:${direction}`;
  const cursor = query.cursor ? decodeCursor(query.cursor, sortKey) : null;
  // Set and not empty, as before the statement was kept: an empty id filters nothing.
  const applied = BROWSE_FILTERS.filter((name) => Boolean(query[name]));
  const shape = `restore-points:browse:${direction}:${cursor ? 'after' : 'first'}:${applied.join(',')}`;
  const page = preparedShapeIn(db, shape, () => browseStatement(db, direction, cursor !== null, applied));
  const rows = page.all({
    vmId: query.vmId ?? null,
    hostId: query.hostId ?? null,
    method: query.method ?? null,
    consistency: query.consistency ?? null,
    jobId: query.jobId ?? null,
    // The column's stored form, epoch milliseconds, as the cursor holds it.
    createdFrom: query.createdFrom ? query.createdFrom.getTime() : null,
    createdTo: query.createdTo ? query.createdTo.getTime() : null,
    cursorValue: cursor?.value ?? null,
    cursorId: cursor?.id ?? null,
    limit: query.limit + 1,
  });
  return keysetPage(rows, query.limit, sortKey, (row) => ({ value: row.createdAt.getTime(), id: row.id }));
}

function browseStatement(
  db: Db,
  direction: 'asc' | 'desc',
  isAfterCursor: boolean,
  applied: readonly (typeof BROWSE_FILTERS)[number][],
) {
  const is = (name: (typeof BROWSE_FILTERS)[number]) => applied.includes(name);
  const conditions: (SQL | undefined)[] = [
    is('vmId') ? eq(restorePoints.vmId, sql.placeholder('vmId')) : undefined,
    is('hostId') ? eq(restorePoints.hostId, sql.placeholder('hostId')) : undefined,
    is('method') ? eq(restorePoints.method, sql.placeholder('method')) : undefined,
    is('consistency') ? eq(restorePoints.consistency, sql.placeholder('consistency')) : undefined,
    is('jobId') ? eq(restorePoints.jobId, sql.placeholder('jobId')) : undefined,
    is('createdFrom') ? sql`${restorePoints.createdAt} >= ${sql.placeholder('createdFrom')}` : undefined,
    is('createdTo') ? sql`${restorePoints.createdAt} <= ${sql.placeholder('createdTo')}` : undefined,
    isAfterCursor
      ? afterCursor(restorePoints.createdAt, restorePoints.id, direction, {
          value: sql.placeholder('cursorValue'),
          id: sql.placeholder('cursorId'),
        })
      : undefined,
  ];
  const order = direction === 'desc' ? desc : asc;
  return db
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
    .limit(sql.placeholder('limit'))
    .prepare();
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
