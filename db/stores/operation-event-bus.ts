/**
 * The in-process bus of committed operation events: stores publish here after a transaction
 * commits, SSE streams and the worker listen. Process-wide (cached on globalThis) because every
 * request builds its own store objects over the same database. Events written by another process
 * (a separate `migawka worker`) reach this bus only through the relay (server/jobs/events.ts).
 */
import { EventEmitter } from 'node:events';
import type { OperationEvent } from './ports/operation-events';

type Gate = (events: readonly OperationEvent[]) => void;
const holder = globalThis as typeof globalThis & {
  __migawkaOperationEvents?: EventEmitter;
  __migawkaOperationEventGate?: Gate;
};
const bus: EventEmitter = (() => {
  if (!holder.__migawkaOperationEvents) {
    holder.__migawkaOperationEvents = new EventEmitter();
    holder.__migawkaOperationEvents.setMaxListeners(0); // one listener per open SSE stream
  }
  return holder.__migawkaOperationEvents;
})();

/** Called by the stores after a commit: the events reach the listeners now, or through the gate. */
export function publishOperationEvents(events: readonly OperationEvent[]): void {
  const gate = holder.__migawkaOperationEventGate;
  if (gate && events.length > 0) gate(events);
  else deliverOperationEvents(events);
}

/** Hands events to the listeners as they are (the relay, in id order). */
export function deliverOperationEvents(events: readonly OperationEvent[]): void {
  for (const event of events) bus.emit('event', event);
}

/**
 * While a relay runs in this process, the events it commits itself are delivered by the relay too,
 * in id order with those other processes committed: published at once, an event of this process
 * could overtake an older one another process committed just before and the relay had not read
 * yet, and a stream that has sent the newer id skips the older one for good. Returns the undo.
 */
export function gateOperationEvents(gate: Gate): () => void {
  holder.__migawkaOperationEventGate = gate;
  return () => {
    if (holder.__migawkaOperationEventGate === gate) holder.__migawkaOperationEventGate = undefined;
  };
}

export function subscribeToOperationEvents(listener: (event: OperationEvent) => void): () => void {
  bus.on('event', listener);
  return () => bus.off('event', listener);
}

/** How many listeners the bus has (one per open stream and relay): lets a test wait until its streams listen. */
export function operationEventListenerCount(): number {
  return bus.listenerCount('event');
}
