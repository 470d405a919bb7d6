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
