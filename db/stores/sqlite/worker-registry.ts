/** The live workers and what they take (schema: `workers`), on SQLite. */
import { asc, eq, gt } from 'drizzle-orm';
import type { WorkerScope } from '../../../server/engine/admission';
import type { Db } from '../../client';
import { workers } from '../../schema';
import { scopeOfRow, workerRowOf } from '../worker-scope-rows';
import type { Tx } from './transaction';

export function announceWorkerIn(db: Db | Tx, scope: WorkerScope, now: Date, expiresAt: Date): void {
  const row = workerRowOf(scope, now, expiresAt);
  db.insert(workers)
    .values(row)
    .onConflictDoUpdate({ target: workers.id, set: { ...row, id: undefined } })
    .run();
}

export function retireWorkerIn(db: Db | Tx, workerId: string): void {
  db.delete(workers).where(eq(workers.id, workerId)).run();
}

export function liveWorkersIn(db: Db | Tx, now: Date): WorkerScope[] {
  return db
    .select()
    .from(workers)
    .where(gt(workers.expiresAt, now))
    .orderBy(asc(workers.id))
    .all()
    .map(scopeOfRow);
}
