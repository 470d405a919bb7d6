/** The live workers and what they take (schema: `workers`), on SQLite. */
import { asc, eq, gt } from 'drizzle-orm';
import type { WorkerScope } from '../../../server/engine/admission';
import type { Db } from '../../client';
import { workers } from '../../schema';
import { isNewScope } from '../admission-rows';
import { scopeOfRow, workerRowOf } from '../worker-scope-rows';
import { wakeAllWaitingIn } from './operation-admission';
import { preparedIn, slot } from './prepared';
import type { Tx } from './transaction';

/**
 * Refreshes the worker's row. A worker that was not alive, or took other hosts, may serve
 * operations that wait for one: they are woken (admission looks at them at the next claim).
 */
export function announceWorkerIn(tx: Tx, scope: WorkerScope, now: Date, expiresAt: Date): void {
  const row = workerRowOf(scope, now, expiresAt);
  const before = tx.select().from(workers).where(eq(workers.id, scope.workerId)).get();
  const wasAlive = before !== undefined && before.expiresAt.getTime() > now.getTime();
  if (!wasAlive || isNewScope(scopeOfRow(before), scopeOfRow(row))) wakeAllWaitingIn(tx);
  tx.insert(workers)
    .values(row)
    .onConflictDoUpdate({ target: workers.id, set: { ...row, id: undefined } })
    .run();
}

export function retireWorkerIn(db: Db | Tx, workerId: string): void {
  db.delete(workers).where(eq(workers.id, workerId)).run();
}

export function liveWorkersIn(db: Db | Tx, now: Date): WorkerScope[] {
  return preparedIn(db, 'liveWorkers', () =>
    db
      .select()
      .from(workers)
      .where(gt(workers.expiresAt, slot('now', workers.expiresAt)))
      .orderBy(asc(workers.id))
      .prepare(),
  )
    .all({ now })
    .map(scopeOfRow);
}
