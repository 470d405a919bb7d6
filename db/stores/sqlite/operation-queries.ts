/**
 * The SQLite queries behind the operations list and detail: filtered and keyset-paged in SQL
 * (newest first, cursor = (created_at, id)), each filter backed by a composite index of
 * schema-operations.ts so page 1 and page 20,000 cost the same.
 */
import { and, asc, desc, eq, gte, inArray, lt, type SQL, sql } from 'drizzle-orm';
import type { Db } from '../../client';
import { operationPayloads, operationSteps, operations, operationVms, stepLogs } from '../../schema';
import type { OperationListItem, OperationListQuery } from '../ports/operation-store';
import type { Page } from '../ports/page';
import { afterCursor, decodeCursor, keysetPage } from './keyset';

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

export function queryOperations(db: Db, query: OperationListQuery): Page<OperationListItem> {
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
      warnings: operations.warningsJson,
      attempt: operations.attempt,
      stepsTotal: sql<number>`(select count(*) from operation_steps s where s.operation_id = "operations"."id")`,
      stepsDone: sql<number>`(select count(*) from operation_steps s where s.operation_id = "operations"."id" and s.status in ('succeeded', 'degraded'))`,
      stepsFailed: sql<number>`(select count(*) from operation_steps s where s.operation_id = "operations"."id" and s.status = 'failed')`,
      stepsNotRun: sql<number>`(select count(*) from operation_steps s where s.operation_id = "operations"."id" and s.status in ('skipped', 'cancelled'))`,
      bytesDone: sql<number>`(select coalesce(sum(s.bytes_done), 0) from operation_steps s where s.operation_id = "operations"."id")`,
    })
    .from(operations)
    .where(
      andAll([
        query.status && query.status.length > 0 ? inArray(operations.status, query.status) : undefined,
        query.kind ? eq(operations.kind, query.kind) : undefined,
        query.jobId ? eq(operations.jobId, query.jobId) : undefined,
        query.createdFrom ? gte(operations.createdAt, query.createdFrom) : undefined,
        query.createdBefore ? lt(operations.createdAt, query.createdBefore) : undefined,
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

/** Active operations whose plan names the array (its `arrayIds`, read with json_each). */
export function queryActiveOnArray(db: Db, arrayId: string): { id: string; title: string }[] {
  return db
    .select({ id: operations.id, title: operations.title })
    .from(operations)
    .where(
      and(
        inArray(operations.status, ['queued', 'waiting', 'running', 'cancelling']),
        sql`exists (select 1 from ${operationPayloads}, json_each(${operationPayloads.planJson}, '$.arrayIds') where ${operationPayloads.operationId} = ${operations.id} and value = ${arrayId})`,
      ),
    )
    .orderBy(asc(operations.createdAt), asc(operations.id))
    .all();
}

export function queryActiveOnHosts(db: Db, hostIds: string[]): { id: string; title: string }[] {
  return db
    .select({ id: operations.id, title: operations.title })
    .from(operations)
    .where(
      and(
        inArray(operations.status, ['queued', 'waiting', 'running', 'cancelling']),
        sql`exists (select 1 from ${operationPayloads}, json_each(${operationPayloads.planJson}, '$.hostIds') where ${operationPayloads.operationId} = ${operations.id} and value in (select value from json_each(${JSON.stringify(hostIds)})))`,
      ),
    )
    .orderBy(asc(operations.createdAt), asc(operations.id))
    .all();
}
