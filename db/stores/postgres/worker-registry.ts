/** The live workers and what they take (schema: `workers`), on PostgreSQL. */
import { asc, eq, gt } from 'drizzle-orm';
import type { WorkerScope } from '../../../server/engine/admission';
import type { PgDb } from '../../pg/client';
import { workers } from '../../pg/schema';
import { scopeOfRow, workerRowOf } from '../worker-scope-rows';
import type { PgTx } from './transaction';

export async function announceWorkerIn(db: PgDb | PgTx, scope: WorkerScope, now: Date, expiresAt: Date) {
  const row = workerRowOf(scope, now, expiresAt);
  await db
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
