/**
 * SQLite transactions of the stores: `BEGIN IMMEDIATE` (take the write lock up front, so two
 * processes never deadlock upgrading a read lock), events appended inside the transaction and
 * published on the process bus only after it committed.
 */
import type { Db } from '../../client';
import { operationEvents } from '../../schema';
import { publishOperationEvents } from '../operation-event-bus';
import type { OperationEvent, OperationEventPayloads, OperationEventType } from '../ports/operation-events';

export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
type Writer = Pick<Db, 'insert'>;

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
    const row = tx
      .insert(operationEvents)
      .values({ operationId, type, payloadJson: payload as Record<string, unknown>, at })
      .returning({ id: operationEvents.id })
      .get();
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
