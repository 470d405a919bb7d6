/**
 * The claim's and the completion's own statements on SQLite, prepared once per connection
 * (./prepared.ts): which running operation to look at next, its lease, its step.
 */
import { and, asc, eq, gt, isNull, lt, or, sql } from 'drizzle-orm';
import { operationPayloads, operationSteps, operations } from '../../schema';
import type { OperationRecord, OperationRow } from '../ports/operation-store';
import { preparedIn, settable, settableAsIs, slot } from './prepared';
import type { Tx } from './transaction';

/** Running operations examined per round of a claim: the claim reads no more than it needs. */
export const CANDIDATES_PER_ROUND = 8;

/** As SQL, not columns: Drizzle refuses columns of a table its `from` does not name (inClaimOrder). */
const candidateColumns = {
  id: sql<string>`${operations.id}`.mapWith(operations.id),
  startedAt: sql<Date | null>`${operations.startedAt}`.mapWith(operations.startedAt),
  endingAs: sql<string | null>`${operations.endingAs}`.mapWith(operations.endingAs),
};

/**
 * Running (or cancelling) and free for this worker: unleased, lease expired, or its own. The status
 * test is written as operations_claim_order_idx's own condition, so that partial index serves it.
 */
function claimable() {
  return and(
    sql`${operations.status} in ('running', 'cancelling')`,
    or(
      isNull(operations.leaseOwner),
      lt(operations.leaseExpiresAt, slot('now', operations.leaseExpiresAt)),
      eq(operations.leaseOwner, slot('workerId', operations.leaseOwner)),
    ),
  );
}

/**
 * The active operations in the claim's order, walked on operations_claim_order_idx. Named, because
 * without statistics SQLite prefers operations_lease_idx for the status and then reads and sorts
 * every running operation (2 ms a claim with 1,850 of them) to keep the oldest eight.
 */
const inClaimOrder = sql`${operations} indexed by operations_claim_order_idx`;

/** The oldest started claimable operations: the first round of a claim. */
export function claimCandidates(tx: Tx) {
  return preparedIn(tx, 'claimCandidates', () =>
    tx
      .select(candidateColumns)
      .from(inClaimOrder)
      .where(claimable())
      .orderBy(asc(operations.startedAt), asc(operations.id))
      .limit(CANDIDATES_PER_ROUND)
      .prepare(),
  );
}

/** The next round, by keyset after the last candidate of the round before. */
export function claimCandidatesAfter(tx: Tx) {
  return preparedIn(tx, 'claimCandidatesAfter', () =>
    tx
      .select(candidateColumns)
      .from(inClaimOrder)
      .where(
        and(
          claimable(),
          or(
            gt(operations.startedAt, slot('afterStartedAt', operations.startedAt)),
            and(
              eq(operations.startedAt, slot('afterStartedAt', operations.startedAt)),
              gt(operations.id, slot('afterId', operations.id)),
            ),
          ),
        ),
      )
      .orderBy(asc(operations.startedAt), asc(operations.id))
      .limit(CANDIDATES_PER_ROUND)
      .prepare(),
  );
}

/**
 * Leases an operation to the claiming worker; answers its row, which holds no plan or request
 * (`operation_payloads`, read by leasedPayload): the lease is what changes, and the row it
 * rewrites stays small.
 */
export function leaseOperation(tx: Tx) {
  return preparedIn(tx, 'leaseOperation', () =>
    tx
      .update(operations)
      .set({ leaseOwner: settable('workerId'), leaseExpiresAt: settable('leaseExpiresAt') })
      .where(eq(operations.id, slot('id', operations.id)))
      .returning()
      .prepare(),
  );
}

/** An operation's plan and request as stored: JSON text. */
export interface LeasedPayload {
  planText: string;
  requestText: string;
}

/** The leased operation's plan and request as their stored text, parsed on first read (leasedRecordOf). */
export function leasedPayload(tx: Tx) {
  return preparedIn(tx, 'leasedPayload', () =>
    tx
      .select({
        planText: sql<string>`${operationPayloads.planJson}`,
        requestText: sql<string>`${operationPayloads.requestJson}`,
      })
      .from(operationPayloads)
      .where(eq(operationPayloads.operationId, slot('id', operationPayloads.operationId)))
      .prepare(),
  );
}

/**
 * Defines `key` on `record` as the JSON `text` parsed when first read: an own enumerable property
 * like the others (spreads, JSON and deep equality see the parsed value); set, it holds what it is given.
 */
function parsedOnFirstRead<K extends 'planJson' | 'requestJson'>(
  record: OperationRecord,
  key: K,
  text: string,
) {
  const hold = (value: OperationRecord[K]) => {
    Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
    return value;
  };
  Object.defineProperty(record, key, {
    enumerable: true,
    configurable: true,
    get: () => hold(JSON.parse(text)),
    set: hold,
  });
}

/**
 * The leased row with its plan and request, an OperationRecord whose `planJson` and `requestJson`
 * are parsed when first read: a claim hands the operation to the runner, which reads the plan only
 * for the steps that need it, and a volume's plan is hundreds of kilobytes of JSON.
 */
export function leasedRecordOf(row: OperationRow, payload: LeasedPayload): OperationRecord {
  const record = row as OperationRecord;
  parsedOnFirstRead(record, 'planJson', payload.planText);
  parsedOnFirstRead(record, 'requestJson', payload.requestText);
  return record;
}

/** Between steps: the lease kept (inside a freeze window) or let go (`leaseExpiresAtMs`: msOrNull). */
export function setLease(tx: Tx) {
  return preparedIn(tx, 'setLease', () =>
    tx
      .update(operations)
      .set({ leaseOwner: settable('leaseOwner'), leaseExpiresAt: settableAsIs('leaseExpiresAtMs') })
      .where(eq(operations.id, slot('id', operations.id)))
      .prepare(),
  );
}

/** A step claimed: running, its attempt counted. */
export function startStep(tx: Tx) {
  return preparedIn(tx, 'startStep', () =>
    tx
      .update(operationSteps)
      .set({
        status: 'running',
        startedAt: settable('now'),
        finishedAt: null,
        attempts: settable('attempt'),
        nextAttemptAt: null,
      })
      .where(eq(operationSteps.id, slot('id', operationSteps.id)))
      .returning()
      .prepare(),
  );
}

export function readStep(tx: Tx) {
  return preparedIn(tx, 'readStep', () =>
    tx
      .select()
      .from(operationSteps)
      .where(eq(operationSteps.id, slot('id', operationSteps.id)))
      .prepare(),
  );
}
