/**
 * SQLite transactions of the stores: `BEGIN IMMEDIATE` (take the write lock up front, so two
 * processes never deadlock upgrading a read lock), events appended inside the transaction and
 * published on the process bus only after it committed.
 */
import { sql } from 'drizzle-orm';
import type { Db, Tx } from '../../client';
import { operationEvents } from '../../schema';
import { publishOperationEvents } from '../operation-event-bus';
import type { OperationEvent, OperationEventPayloads, OperationEventType } from '../ports/operation-events';
import { preparedIn } from './prepared';

export type { Tx };

type Writer = Pick<Db, 'insert' | 'select'>;

/** Collects the events written inside one transaction; published after it commits. */
export class EventBatch {
  readonly events: OperationEvent[] = [];

  append<T extends OperationEventType>(
    tx: Writer,
    operationId: string,
    type: T,
    payload: OperationEventPayloads[T],
    at: Date,
  ): OperationEvent<T> {
    const row = preparedIn(tx, 'appendEvent', () =>
      tx
        .insert(operationEvents)
        .values({
          operationId: sql.placeholder('operationId'),
          type: sql.placeholder('type'),
          payloadJson: sql.placeholder('payload'),
          at: sql.placeholder('at'),
        })
        .returning({ id: operationEvents.id })
        .prepare(),
    ).get({ operationId, type, payload, at });
    const event: OperationEvent<T> = { id: row.id, operationId, type, payload, at };
    this.events.push(event as OperationEvent);
    return event;
  }
}

/** Runs `work` in a BEGIN IMMEDIATE transaction, then publishes the events it appended. */
export function inTransaction<T>(db: Db, work: (tx: Tx, events: EventBatch) => T): T {
  const events = new EventBatch();
  const result = db.transaction((tx) => work(tx, events), { behavior: 'immediate' });
  publishOperationEvents(events.events);
  return result;
}
