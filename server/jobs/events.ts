/**
 * Operation events: every state change of an operation or step appends one row to
 * `operation_events` (in the same transaction as the change) and, once committed, is published
 * on an in-process EventEmitter so SSE streams push it without polling. The autoincrement id is
 * the SSE event id: a reconnecting client (or another process) asks for events after the last
 * id it saw (`listEventsSince`).
 */
import { EventEmitter } from 'node:events';
import { and, asc, desc, eq, gt } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { type OperationStatus, operationEvents, type StepStatus } from '../../db/schema';

/** Payload per event type: the typed map every producer and consumer shares. */
export interface OperationEventPayloads {
  'operation.queued': { kind: 'backup' | 'restore'; title: string };
  'operation.waiting': { reason: string; reasons: string[] };
  'operation.started': { lockKeys: string[] };
  'operation.cancelling': { requestedBy: string | null };
  'operation.recovered': { decision: 'resume' | 'interrupt'; reason: string; previousOwner: string | null };
  'operation.finished': { status: OperationStatus; error: string | null };
  'step.started': { stepKey: string; attempt: number };
  'step.progress': { stepKey: string; bytesDone: number; bytesTotal: number | null };
  'step.log': { stepKey: string; level: 'info' | 'warn' | 'error'; message: string };
  'step.retrying': { stepKey: string; attempt: number; nextAttemptAt: string; error: string };
  'step.finished': {
    stepKey: string;
    status: StepStatus;
    bytes: number;
    durationMs: number | null;
    error: string | null;
  };
  'restore-point.created': { restorePointId: string; vmId: string; consistency: string };
  'restore-point.deleted': { restorePointId: string; vmId: string; reason: string };
}
export type OperationEventType = keyof OperationEventPayloads;

export interface OperationEvent<T extends OperationEventType = OperationEventType> {
  id: number;
  operationId: string;
  type: T;
  payload: OperationEventPayloads[T];
  at: Date;
}

type Tx = Pick<Db, 'insert' | 'select' | 'update' | 'delete'>;

/** Collects the events written inside one transaction; `publish()` them after it commits. */
export class EventBatch {
  readonly events: OperationEvent[] = [];

  append<T extends OperationEventType>(
    tx: Tx,
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

  publish(): void {
    for (const event of this.events) publishOnBus(event);
    this.events.length = 0;
  }
}

function publishOnBus(event: OperationEvent): void {
  operationEventBus.emit('event', event);
}

/**
 * In-process bus: `operationEventBus.on('event', (event: OperationEvent) => ...)`. Events from a
 * worker running in another process reach this process only through `listEventsSince`.
 */
export const operationEventBus: EventEmitter = (() => {
  const holder = globalThis as typeof globalThis & { __migawkaOperationEvents?: EventEmitter };
  if (!holder.__migawkaOperationEvents) {
    holder.__migawkaOperationEvents = new EventEmitter();
    holder.__migawkaOperationEvents.setMaxListeners(0); // one listener per open SSE stream
  }
  return holder.__migawkaOperationEvents;
})();

/**
 * For a process that does not run the worker (the web server next to a `migawka worker`): polls
 * `operation_events` and publishes rows written by other processes on this process's bus, so
 * live streams keep working. Starts from the newest event; returns stop().
 */
export function startEventRelay(db: Db, options: { intervalMs?: number } = {}): () => void {
  let cursor =
    db
      .select({ id: operationEvents.id })
      .from(operationEvents)
      .orderBy(desc(operationEvents.id))
      .limit(1)
      .get()?.id ?? 0;
  // Events this process wrote itself were already published: remember their ids to skip them.
  const publishedHere = new Set<number>();
  const unsubscribe = subscribeToOperationEvents((event) => {
    if (event.id > cursor) publishedHere.add(event.id);
  });
  const timer = setInterval(() => {
    for (;;) {
      const page = listEventsSince(db, { afterId: cursor, limit: 500 });
      for (const event of page) {
        cursor = event.id;
        if (publishedHere.delete(event.id)) continue;
        publishOnBus(event);
      }
      if (page.length < 500) break;
    }
    for (const id of publishedHere) if (id <= cursor) publishedHere.delete(id);
  }, options.intervalMs ?? 500);
  timer.unref();
  return () => {
    clearInterval(timer);
    unsubscribe();
  };
}

export function subscribeToOperationEvents(listener: (event: OperationEvent) => void): () => void {
  operationEventBus.on('event', listener);
  return () => operationEventBus.off('event', listener);
}

/** Events after `afterId` (exclusive), oldest first; all operations, or one. */
export function listEventsSince(
  db: Db,
  options: { operationId?: string; afterId?: number; limit?: number } = {},
): OperationEvent[] {
  const conditions = [gt(operationEvents.id, options.afterId ?? 0)];
  if (options.operationId) conditions.push(eq(operationEvents.operationId, options.operationId));
  return db
    .select()
    .from(operationEvents)
    .where(and(...conditions))
    .orderBy(asc(operationEvents.id))
    .limit(Math.min(options.limit ?? 500, 5000))
    .all()
    .map((row) => ({
      id: row.id,
      operationId: row.operationId,
      type: row.type as OperationEventType,
      payload: row.payloadJson as OperationEventPayloads[OperationEventType],
      at: row.at,
    }));
}
