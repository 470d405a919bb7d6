/**
 * Operation statuses read by id, answered in the order the ids were asked, on both stores: rows
 * come back in storage order, which on PostgreSQL moves with each update.
 */
import type { OperationStatus } from '../../server/engine/statuses';

export function statusesInAskedOrder(
  operationIds: readonly string[],
  rows: readonly { id: string; status: OperationStatus }[],
): Map<string, OperationStatus> {
  const found = new Map(rows.map((row) => [row.id, row.status]));
  const ordered = new Map<string, OperationStatus>();
  for (const id of operationIds) {
    const status = found.get(id);
    if (status !== undefined) ordered.set(id, status);
  }
  return ordered;
}

/**
 * The unfinished retry the runs-needing-attention statement reads as one column (`<id> <status>`,
 * both stores: one correlated subquery instead of two), or null when there is none.
 */
export function unfinishedRetryOf(
  column: string | null,
): { operationId: string; status: OperationStatus } | null {
  if (column === null) return null;
  const space = column.lastIndexOf(' ');
  return { operationId: column.slice(0, space), status: column.slice(space + 1) as OperationStatus };
}
