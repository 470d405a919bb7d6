/**
 * Which operations a PostgreSQL claim may take a step of, and whether there is anything at all for
 * a claim to do. Every finished step wakes every worker (NOTIFY), and all but one find nothing: in
 * the scale-out proof two claims in three were empty, five round trips each (begin, the admission
 * lock, the wake-up queue, the candidates, commit). One read-only statement outside a transaction
 * now answers "nothing" for them. It cannot lose work: anything committed after it was read sends
 * its own NOTIFY at commit, and that wakes the worker for another pass.
 */
import { and, eq, exists, inArray, isNull, lt, notExists, or, type SQL, sql } from 'drizzle-orm';
import type { PgDb } from '../../pg/client';
import { admissionWakeups, operationSteps, operations } from '../../pg/schema';
import type { PgTx } from './transaction';

/** Active, with its lease free, expired or `workerId`'s own, and no step in flight. */
export function claimableBy(db: PgDb | PgTx, workerId: string, now: Date): SQL | undefined {
  return and(
    inArray(operations.status, ['running', 'cancelling']),
    or(
      isNull(operations.leaseOwner),
      lt(operations.leaseExpiresAt, now),
      eq(operations.leaseOwner, workerId),
    ),
    // A step in flight (or awaiting recovery) makes an operation busy (decideNextStep): filtered
    // here, a claim does not read the steps of each busy operation, one round trip apiece.
    notExists(
      db
        .select({ one: sql`1` })
        .from(operationSteps)
        .where(and(eq(operationSteps.operationId, operations.id), eq(operationSteps.status, 'running'))),
    ),
  );
}

/** True when a claim has something to look at: an operation woken for admission, or a claimable one. */
export async function hasClaimableWork(db: PgDb, workerId: string, now: Date): Promise<boolean> {
  const woken = exists(db.select({ one: sql`1` }).from(admissionWakeups));
  const claimable = exists(
    db
      .select({ one: sql`1` })
      .from(operations)
      .where(claimableBy(db, workerId, now)),
  );
  const { rows } = await db.execute<{ found: boolean }>(sql`select (${woken} or ${claimable}) as found`);
  return rows[0]?.found === true;
}
