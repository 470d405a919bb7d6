/**
 * The SQLite queries behind the operations list and detail: filtered and keyset-paged in SQL
 * (newest first, cursor = (created_at, id)), each filter backed by a composite index of
 * schema-operations.ts so page 1 and page 20,000 cost the same.
 */
import { and, asc, desc, eq, inArray, type SQL, sql } from 'drizzle-orm';
import type { Db } from '../../client';
import { operationPayloads, operationSteps, operations, operationVms, stepLogs } from '../../schema';
import type { OperationListItem, OperationListQuery } from '../ports/operation-store';
import type { Page } from '../ports/page';
import { afterCursor, decodeCursor, keysetPage } from './keyset';
import { inJson, jsonList, preparedShapeIn } from './prepared';

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

/** The list's filters: each is a condition of the statement when the query sets it. */
const LIST_FILTERS = ['status', 'kind', 'jobId', 'createdFrom', 'createdBefore', 'vmId'] as const;
type ListFilter = (typeof LIST_FILTERS)[number];

function isApplied(query: OperationListQuery, name: ListFilter): boolean {
  return name === 'status' ? (query.status?.length ?? 0) > 0 : Boolean(query[name]);
}

/**
 * A page of operations, newest first. The statement is built and compiled once per shape (which
 * filters apply, first page or after a cursor) and connection, its values bound through
 * placeholders (the statuses as one JSON list): building it with Drizzle on every call cost about
 * as much as running it (issue 13; the VM list does the same, inventory-vms.ts).
 */
export function queryOperations(db: Db, query: OperationListQuery): Page<OperationListItem> {
  const sortKey = `operations:${NEWEST_FIRST}`;
  const cursor = query.cursor ? decodeCursor(query.cursor, sortKey) : null;
  const applied = LIST_FILTERS.filter((name) => isApplied(query, name));
  const shape = `operations:list:${cursor ? 'after' : 'first'}:${applied.join(',')}`;
  const page = preparedShapeIn(db, shape, () => listStatement(db, cursor !== null, applied));
  const rows = page.all({
    statuses: jsonList(query.status ?? []),
    kind: query.kind ?? null,
    jobId: query.jobId ?? null,
    // The column's stored form, epoch milliseconds, as the cursor holds it.
    createdFrom: query.createdFrom ? query.createdFrom.getTime() : null,
    createdBefore: query.createdBefore ? query.createdBefore.getTime() : null,
    vmId: query.vmId ?? null,
    cursorValue: cursor?.value ?? null,
    cursorId: cursor?.id ?? null,
    limit: query.limit + 1,
  });
  return pageOf(rows, query.limit, sortKey);
}

function listStatement(db: Db, isAfterCursor: boolean, applied: readonly ListFilter[]) {
  const is = (name: ListFilter) => applied.includes(name);
  return db
    .select({
      id: operations.id,
      kind: operations.kind,
      status: operations.status,
      title: operations.title,
      waitingReason: operations.waitingReason,
      jobId: operations.jobId,
      // requested_by holds actorLabel(SCHEDULER_ACTOR), 'scheduler', for what the scheduler queued.
      isScheduledRun: sql<boolean>`${operations.requestedBy} = 'scheduler'`.mapWith(Boolean),
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
      // STEP_STATUSES_WITH_COPIED_BYTES (server/engine/statuses.ts).
      bytesDone: sql<number>`(select coalesce(sum(s.bytes_done), 0) from operation_steps s where s.operation_id = "operations"."id" and s.status in ('running', 'succeeded', 'degraded'))`,
    })
    .from(operations)
    .where(
      andAll([
        is('status') ? inJson(operations.status, 'statuses') : undefined,
        is('kind') ? eq(operations.kind, sql.placeholder('kind')) : undefined,
        is('jobId') ? eq(operations.jobId, sql.placeholder('jobId')) : undefined,
        is('createdFrom') ? sql`${operations.createdAt} >= ${sql.placeholder('createdFrom')}` : undefined,
        is('createdBefore') ? sql`${operations.createdAt} < ${sql.placeholder('createdBefore')}` : undefined,
        is('vmId')
          ? inArray(
              operations.id,
              db
                .select({ id: operationVms.operationId })
                .from(operationVms)
                .where(eq(operationVms.vmId, sql.placeholder('vmId'))),
            )
          : undefined,
        isAfterCursor
          ? afterCursor(operations.createdAt, operations.id, 'desc', {
              value: sql.placeholder('cursorValue'),
              id: sql.placeholder('cursorId'),
            })
          : undefined,
      ]),
    )
    .orderBy(desc(operations.createdAt), desc(operations.id))
    .limit(sql.placeholder('limit'))
    .prepare();
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
