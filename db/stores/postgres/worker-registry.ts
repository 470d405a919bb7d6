/** The live workers and what they take (schema: `workers`), on PostgreSQL. */
import { asc, eq, gt } from 'drizzle-orm';
import type { WorkerScope } from '../../../server/engine/admission';
import type { PgDb } from '../../pg/client';
import { workers } from '../../pg/schema';
import { isNewScope } from '../admission-rows';
import { scopeOfRow, workerRowOf } from '../worker-scope-rows';
import { wakeAllWaitingIn } from './operation-admission';
import type { PgTx } from './transaction';

/**
 * Refreshes the worker's row. A worker that was not alive, or took other hosts, may serve
 * operations that wait for one: they are woken (admission looks at them at the next claim).
 */
export async function announceWorkerIn(tx: PgTx, scope: WorkerScope, now: Date, expiresAt: Date) {
  const row = workerRowOf(scope, now, expiresAt);
  const [before] = await tx.select().from(workers).where(eq(workers.id, scope.workerId));
  const wasAlive = before !== undefined && before.expiresAt.getTime() > now.getTime();
  if (!wasAlive || isNewScope(scopeOfRow(before), scopeOfRow(row))) await wakeAllWaitingIn(tx);
  await tx
    .insert(workers)
    .values(row)
    .onConflictDoUpdate({ target: workers.id, set: { ...row, id: undefined } });
}

export async function retireWorkerIn(db: PgDb | PgTx, workerId: string): Promise<void> {
  await db.delete(workers).where(eq(workers.id, workerId));
}

export async function liveWorkersIn(db: PgDb | PgTx, now: Date): Promise<WorkerScope[]> {
  const rows = await db.select().from(workers).where(gt(workers.expiresAt, now)).orderBy(asc(workers.id));
  return rows.map(scopeOfRow);
}
