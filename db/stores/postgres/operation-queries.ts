/**
 * The PostgreSQL queries behind the operations list and detail: filtered and keyset-paged in SQL
 * (newest first, cursor = (created_at, id)), as ../sqlite/operation-queries.ts.
 */

import { and, asc, desc, eq, gte, inArray, lt, type SQL, sql } from 'drizzle-orm';
import type { PgDb } from '../../pg/client';
import { operationPayloads, operationSteps, operations, operationVms, stepLogs } from '../../pg/schema';
import type { OperationListItem, OperationListQuery } from '../ports/operation-store';
import type { Page } from '../ports/page';
import { afterCursor, decodeCursor, keysetPage } from './keyset';
import { textArray } from './text-array';

const NEWEST_FIRST = 'created:desc';

function andAll(conditions: (SQL | undefined)[]): SQL | undefined {
  const present = conditions.filter((condition): condition is SQL => condition !== undefined);
  return present.length > 0 ? and(...present) : undefined;
}

export async function queryOperations(db: PgDb, query: OperationListQuery): Promise<Page<OperationListItem>> {
  const sortKey = `operations:${NEWEST_FIRST}`;
  const cursor = query.cursor ? decodeCursor(query.cursor, sortKey) : null;
  const rows = await db
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
      stepsTotal:
        sql<number>`(select count(*) from operation_steps s where s.operation_id = "operations"."id")`.mapWith(
          Number,
        ),
      stepsDone:
        sql<number>`(select count(*) from operation_steps s where s.operation_id = "operations"."id" and s.status in ('succeeded', 'degraded'))`.mapWith(
          Number,
        ),
      stepsFailed:
        sql<number>`(select count(*) from operation_steps s where s.operation_id = "operations"."id" and s.status = 'failed')`.mapWith(
          Number,
        ),
      stepsNotRun:
        sql<number>`(select count(*) from operation_steps s where s.operation_id = "operations"."id" and s.status in ('skipped', 'cancelled'))`.mapWith(
          Number,
        ),
      // STEP_STATUSES_WITH_COPIED_BYTES (server/engine/statuses.ts).
      bytesDone:
        sql<number>`(select coalesce(sum(s.bytes_done), 0)::bigint from operation_steps s where s.operation_id = "operations"."id" and s.status in ('running', 'succeeded', 'degraded'))`.mapWith(
          Number,
        ),
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
    .limit(query.limit + 1);
  return keysetPage(rows, query.limit, sortKey, (row) => ({ value: row.createdAt.getTime(), id: row.id }));
}

export async function queryOperationSteps(db: PgDb, operationId: string) {
  return db
    .select()
    .from(operationSteps)
    .where(eq(operationSteps.operationId, operationId))
    .orderBy(asc(operationSteps.seq));
}

/** The newest `limit` log lines of an operation, oldest first. */
export async function queryOperationLogs(db: PgDb, operationId: string, limit: number) {
  const rows = await db
    .select()
    .from(stepLogs)
    .where(eq(stepLogs.operationId, operationId))
    .orderBy(desc(stepLogs.id))
    .limit(limit);
  return rows.reverse();
}

/** Active operations whose plan names the array (its `arrayIds`, read with json_array_elements_text). */
export function queryActiveOnArray(db: PgDb, arrayId: string): Promise<{ id: string; title: string }[]> {
  return db
    .select({ id: operations.id, title: operations.title })
    .from(operations)
    .where(
      and(
        inArray(operations.status, ['queued', 'waiting', 'running', 'cancelling']),
        sql`exists (select 1 from ${operationPayloads}, json_array_elements_text(${operationPayloads.planJson}->'arrayIds') as a(id) where ${operationPayloads.operationId} = ${operations.id} and a.id = ${arrayId})`,
      ),
    )
    .orderBy(asc(operations.createdAt), asc(operations.id));
}

export function queryActiveOnHosts(db: PgDb, hostIds: string[]): Promise<{ id: string; title: string }[]> {
  return db
    .select({ id: operations.id, title: operations.title })
    .from(operations)
    .where(
      and(
        inArray(operations.status, ['queued', 'waiting', 'running', 'cancelling']),
        sql`exists (select 1 from ${operationPayloads}, json_array_elements_text(${operationPayloads.planJson}->'hostIds') as h(id) where ${operationPayloads.operationId} = ${operations.id} and h.id = any(${textArray(hostIds)}))`,
      ),
    )
    .orderBy(asc(operations.createdAt), asc(operations.id));
}
