/**
 * Queries behind the operations and restore point lists: filtered and keyset-paged in SQL
 * (newest first, cursor = (created_at, id)), one page of rows at most, each filter backed by a
 * composite index of schema-operations.ts so page 1 and page 20,000 of a million restore points
 * cost the same.
 */
import { and, asc, desc, eq, gte, inArray, lte, type SQL, sql } from 'drizzle-orm';
import type { OperationKind, OperationStatus } from '../../server/engine/statuses';
import type { BackupMethod, Consistency } from '../../server/engine/types';
import type { Db } from '../client';
import {
  operationSteps,
  operations,
  operationVms,
  pointVerifications,
  restorePointFiles,
  restorePoints,
  stepLogs,
} from '../schema';
import type { Page } from './ports/page';
import { afterCursor, decodeCursor, keysetPage } from './sqlite/keyset';

/** Transitional alias: every list returns the one `Page` of ports/page.ts. */
export type PageOf<T> = Page<T>;

const NEWEST_FIRST = 'created:desc';

function pageOf<T extends { id: string; createdAt: Date }>(
  rows: T[],
  limit: number,
  sortKey: string,
): Page<T> {
  return keysetPage(rows, limit, sortKey, (row) => ({ value: row.createdAt.getTime(), id: row.id }));
}

function andAll(conditions: (SQL | undefined)[]): SQL | undefined {
  const present = conditions.filter((condition): condition is SQL => condition !== undefined);
  return present.length > 0 ? and(...present) : undefined;
}

// ---------------------------------------------------------------------------------------- operations

export interface OperationListQuery {
  status?: OperationStatus[];
  kind?: OperationKind;
  vmId?: string;
  jobId?: string;
  cursor?: string;
  limit: number;
}

export interface OperationListItem {
  id: string;
  kind: OperationKind;
  status: OperationStatus;
  title: string;
  waitingReason: string | null;
  jobId: string | null;
  retryOfId: string | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  error: string | null;
  attempt: number;
  stepsTotal: number;
  stepsDone: number;
  bytesDone: number;
}

export function queryOperations(db: Db, query: OperationListQuery): PageOf<OperationListItem> {
  const sortKey = `operations:${NEWEST_FIRST}`;
  const cursor = query.cursor ? decodeCursor(query.cursor, sortKey) : null;
  const rows = db
    .select({
      id: operations.id,
      kind: operations.kind,
      status: operations.status,
      title: operations.title,
      waitingReason: operations.waitingReason,
      jobId: operations.jobId,
      retryOfId: operations.retryOfId,
      createdAt: operations.createdAt,
      startedAt: operations.startedAt,
      finishedAt: operations.finishedAt,
      error: operations.error,
      attempt: operations.attempt,
      stepsTotal: sql<number>`(select count(*) from operation_steps s where s.operation_id = "operations"."id")`,
      stepsDone: sql<number>`(select count(*) from operation_steps s where s.operation_id = "operations"."id" and s.status not in ('pending', 'running'))`,
      bytesDone: sql<number>`(select coalesce(sum(s.bytes_done), 0) from operation_steps s where s.operation_id = "operations"."id")`,
    })
    .from(operations)
    .where(
      andAll([
        query.status && query.status.length > 0 ? inArray(operations.status, query.status) : undefined,
        query.kind ? eq(operations.kind, query.kind) : undefined,
        query.jobId ? eq(operations.jobId, query.jobId) : undefined,
        query.vmId
          ? inArray(
              operations.id,
              db
                .select({ id: operationVms.operationId })
                .from(operationVms)
                .where(eq(operationVms.vmId, query.vmId)),
            )
          : undefined,
        cursor ? afterCursor(operations.createdAt, operations.id, 'desc', cursor) : undefined,
      ]),
    )
    .orderBy(desc(operations.createdAt), desc(operations.id))
    .limit(query.limit + 1)
    .all();
  return pageOf(rows, query.limit, sortKey);
}

export function queryOperationSteps(db: Db, operationId: string) {
  return db
    .select()
    .from(operationSteps)
    .where(eq(operationSteps.operationId, operationId))
    .orderBy(asc(operationSteps.seq))
    .all();
}

/** The newest `limit` log lines of an operation, oldest first. */
export function queryOperationLogs(db: Db, operationId: string, limit: number) {
  return db
    .select()
    .from(stepLogs)
    .where(eq(stepLogs.operationId, operationId))
    .orderBy(desc(stepLogs.id))
    .limit(limit)
    .all()
    .reverse();
}

// ------------------------------------------------------------------------------------ restore points

export interface RestorePointListQuery {
  vmId?: string;
  hostId?: string;
  method?: BackupMethod;
  consistency?: Consistency;
  jobId?: string;
  createdFrom?: Date;
  createdTo?: Date;
  cursor?: string;
  limit: number;
}

export type RestorePointRow = typeof restorePoints.$inferSelect;

export function queryRestorePoints(db: Db, query: RestorePointListQuery): PageOf<RestorePointRow> {
  const sortKey = `restore-points:${NEWEST_FIRST}`;
  const cursor = query.cursor ? decodeCursor(query.cursor, sortKey) : null;
  const rows = db
    .select()
    .from(restorePoints)
    .where(
      andAll([
        query.vmId ? eq(restorePoints.vmId, query.vmId) : undefined,
        query.hostId ? eq(restorePoints.hostId, query.hostId) : undefined,
        query.method ? eq(restorePoints.method, query.method) : undefined,
        query.consistency ? eq(restorePoints.consistency, query.consistency) : undefined,
        query.jobId ? eq(restorePoints.jobId, query.jobId) : undefined,
        query.createdFrom ? gte(restorePoints.createdAt, query.createdFrom) : undefined,
        query.createdTo ? lte(restorePoints.createdAt, query.createdTo) : undefined,
        cursor ? afterCursor(restorePoints.createdAt, restorePoints.id, 'desc', cursor) : undefined,
      ]),
    )
    .orderBy(desc(restorePoints.createdAt), desc(restorePoints.id))
    .limit(query.limit + 1)
    .all();
  return pageOf(rows, query.limit, sortKey);
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
export function queryPointsOnSameScope(db: Db, point: RestorePointRow): RestorePointRow[] {
  const scope =
    point.method === 'wsb-volume' && point.hostVolumeId
      ? eq(restorePoints.hostVolumeId, point.hostVolumeId)
      : point.method === 'array-snapshot' && point.arrayVolumeId
        ? eq(restorePoints.arrayVolumeId, point.arrayVolumeId)
        : eq(restorePoints.vmId, point.vmId);
  return db.select().from(restorePoints).where(scope).all();
}
