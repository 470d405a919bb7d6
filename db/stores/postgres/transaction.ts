/**
 * PostgreSQL transactions of the stores. Every verb is one transaction; events are appended inside
 * it and published on this process's bus only after it committed, and a `pg_notify` in the same
 * transaction tells the other nodes (delivered by PostgreSQL at commit, never for a rollback).
 *
 * A serialisation failure (40001) or a deadlock (40P01) rolls the whole transaction back, so it is
 * retried from the start: no step is ever left half-claimed.
 */
import { sql } from 'drizzle-orm';
import { type PgDb, transactionOnOwnClient } from '../../pg/client';
import { publishOperationEvents } from '../operation-event-bus';
import {
  announcesWork,
  type OperationEvent,
  type OperationEventPayloads,
  type OperationEventType,
} from '../ports/operation-events';

export type PgTx = Parameters<Parameters<PgDb['transaction']>[0]>[0];

/** The channel a transaction that appended events notifies (no payload: the table says what is new). */
export const EVENTS_CHANNEL = 'migawka_operation_events';
/** The channel a transaction notifies when one of its events may let a worker claim (WORK_EVENT_TYPES). */
export const WORK_CHANNEL = 'migawka_operation_work';

/**
 * Collects the events of one transaction and writes them at its end, under a transaction-level
 * advisory lock held until commit: event ids are then handed out in commit order, so a reader
 * that has seen id N has seen every event below N — an SSE stream resuming "after N" on any node
 * misses nothing. The lock is the transaction's last, so nothing waits on a row while holding it
 * (row locks are taken `FOR NO KEY UPDATE`, which the events' foreign-key checks never wait on).
 */
export class PgEventBatch {
  readonly events: OperationEvent[] = [];

  append<T extends OperationEventType>(
    _tx: unknown,
    operationId: string,
    type: T,
    payload: OperationEventPayloads[T],
    at: Date,
  ): OperationEvent<T> {
    // The id is assigned by flush(), before the transaction commits and anyone reads it.
    const event: OperationEvent<T> = { id: 0, operationId, type, payload, at };
    this.events.push(event as OperationEvent);
    return event;
  }

  async flush(tx: Pick<PgDb, 'execute'>): Promise<void> {
    if (this.events.length === 0) return;
    // One statement, one round trip: the lock (the subquery is evaluated before any row is
    // produced, so before any id is drawn), the notifications PostgreSQL delivers at commit only,
    // and the rows. The lock is held from here to the commit: one round trip fewer under it than
    // a lock and an insert sent apart (measured in docs/BENCHMARKS.md, the scale-out proof).
    const notify = announcesWork(this.events)
      ? sql`pg_notify(${EVENTS_CHANNEL}, ''), pg_notify(${WORK_CHANNEL}, '')`
      : sql`pg_notify(${EVENTS_CHANNEL}, '')`;
    const { rows } = await tx.execute<{ id: number }>(sql`
      insert into operation_events (operation_id, type, payload_json, at)
      select batch.operation_id, batch.type, batch.payload_json, batch.at
      from (select pg_advisory_xact_lock(${ADVISORY.events}), ${notify} offset 0) as locked,
        unnest(
          ${sql.param(this.events.map((event) => event.operationId))}::text[],
          ${sql.param(this.events.map((event) => event.type))}::text[],
          ${sql.param(this.events.map((event) => JSON.stringify(event.payload)))}::json[],
          ${sql.param(this.events.map((event) => event.at.toISOString()))}::timestamptz[]
        ) with ordinality as batch(operation_id, type, payload_json, at, n)
      order by batch.n
      returning id`);
    // Ids are drawn under the lock in the order the rows are produced (by n): ascending, they are
    // the batch's, in its order, whatever order RETURNING lists them in.
    const ids = rows.map((row) => Number(row.id)).sort((a, b) => a - b);
    ids.forEach((id, index) => {
      (this.events[index] as OperationEvent).id = id;
    });
  }
}

const RETRYABLE = new Set(['40001', '40P01']);
const MAX_ATTEMPTS = 8;

function isRetryable(error: unknown): boolean {
  for (let current = error; current; current = (current as { cause?: unknown }).cause) {
    if (RETRYABLE.has((current as { code?: string }).code ?? '')) return true;
  }
  return false;
}

/**
 * Runs `work` in a transaction (retried whole on a serialisation failure or deadlock), then
 * publishes the events it appended. `work` may run more than once: it must only touch the database.
 */
export async function inPgTransaction<T>(
  db: PgDb,
  work: (tx: PgTx, events: PgEventBatch) => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const events = new PgEventBatch();
    try {
      const result = await transactionOnOwnClient(db, async (tx: PgTx) => {
        const value = await work(tx, events);
        await events.flush(tx);
        return value;
      });
      publishOperationEvents(events.events);
      return result;
    } catch (error) {
      if (attempt >= MAX_ATTEMPTS || !isRetryable(error)) throw error;
    }
  }
}

/** Transaction-level advisory lock keys (one namespace per serialised writer). */
export const ADVISORY = {
  /** Admission reads every active operation: one claimer at a time admits. */
  admission: 0x6d69_0001,
  /** The audit chain's end is read and extended by one writer at a time. */
  audit: 0x6d69_0002,
  /** Event ids in commit order (PgEventBatch.flush). */
  events: 0x6d69_0003,
  // 0x6d69_0004 is the inventory writer's (inventory.ts INVENTORY_WRITER).
  /** A vault key rotation takes it exclusive, every write of a sealed value shared (secret-store.ts). */
  vault: 0x6d69_0005,
} as const;

export async function advisoryXactLock(tx: PgTx, key: number): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(${key})`);
}

/** Held with other holders of the shared lock; waits for (and holds off) the exclusive one. */
export async function advisoryXactLockShared(tx: PgTx, key: number): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock_shared(${key})`);
}
