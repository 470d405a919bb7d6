/**
 * The in-process bus of committed operation events: stores publish here after a transaction
 * commits, SSE streams and the worker listen. Process-wide (cached on globalThis) because every
 * request builds its own store objects over the same database. Events written by another process
 * (a separate `migawka worker`) reach this bus only through the relay (server/jobs/events.ts).
 */
import { EventEmitter } from 'node:events';
import type { OperationEvent } from './ports/operation-events';

const bus: EventEmitter = (() => {
  const holder = globalThis as typeof globalThis & { __migawkaOperationEvents?: EventEmitter };
  if (!holder.__migawkaOperationEvents) {
    holder.__migawkaOperationEvents = new EventEmitter();
    holder.__migawkaOperationEvents.setMaxListeners(0); // one listener per open SSE stream
  }
  return holder.__migawkaOperationEvents;
})();

export function publishOperationEvents(events: readonly OperationEvent[]): void {
  for (const event of events) bus.emit('event', event);
}

export function subscribeToOperationEvents(listener: (event: OperationEvent) => void): () => void {
  bus.on('event', listener);
  return () => bus.off('event', listener);
}

/** How many listeners the bus has (one per open stream and relay): lets a test wait until its streams listen. */
export function operationEventListenerCount(): number {
  return bus.listenerCount('event');
}
