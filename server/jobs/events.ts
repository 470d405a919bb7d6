/**
 * Operation events for the runner's consumers: the typed payloads (db/stores/ports/
 * operation-events.ts), the in-process bus stores publish on after commit, and the relay for a
 * process that does not run the worker itself.
 */

import {
  deliverOperationEvents,
  gateOperationEvents,
  subscribeToOperationEvents,
} from '../../db/stores/operation-event-bus';
import type { OperationStore } from '../../db/stores/ports';
import type { OperationEvent } from '../../db/stores/ports/operation-events';
import { logger } from '../logger';

export type {
  OperationEvent,
  OperationEventPayloads,
  OperationEventType,
} from '../../db/stores/ports/operation-events';
export { subscribeToOperationEvents };

const RELAY_PAGE = 500;

export interface EventRelay {
  /**
   * One pass: delivers on this process's bus every event appended since the last pass, in id
   * order, once — those this process committed too (they wait for the relay: see
   * gateOperationEvents). The first pass starts from the newest event. Passes never overlap: one
   * asked for while another runs makes that one read again before it returns, so an event
   * committed during a pass is never left for the next poll.
   */
  pass(): Promise<void>;
  stop(): void;
}

/** The relay's state and its one-pass step; `startEventRelay` runs passes on a timer. */
export function createEventRelay(store: OperationStore): EventRelay {
  let cursor: number | null = null;
  let askedAgain = false;
  // This process's own commits, held back until the relay reaches them in the table.
  let held: OperationEvent[] = [];
  const ungate = gateOperationEvents((events) => {
    held.push(...events);
    pass().catch((error) => logger.warn({ err: error }, 'event relay read failed'));
  });
  async function readNew(): Promise<void> {
    if (cursor === null) {
      cursor = await store.lastEventId();
      // Committed here before the first read: the relay starts after them, so they go out now.
      const start = cursor;
      deliverOperationEvents(held.filter((event) => event.id <= start).sort((a, b) => a.id - b.id));
    }
    for (;;) {
      const page = await store.readEventsAfter({ afterId: cursor, limit: RELAY_PAGE });
      for (const event of page) cursor = event.id;
      deliverOperationEvents(page);
      if (page.length < RELAY_PAGE) break;
    }
    const reached = cursor;
    held = held.filter((event) => event.id > reached);
  }
  let running: Promise<void> | null = null;
  /** Resolves once every event committed before the call has been delivered (a pass joined counts). */
  function pass(): Promise<void> {
    if (running) {
      askedAgain = true;
      return running;
    }
    running = (async () => {
      try {
        do {
          askedAgain = false;
          await readNew();
        } while (askedAgain);
      } finally {
        running = null;
      }
    })();
    return running;
  }
  return { pass, stop: ungate };
}

/** How often the relay polls: often where nothing wakes it, rarely as a safety net where the database does. */
export const RELAY_POLL_MS = 500;
export const RELAY_POLL_WHEN_WOKEN_MS = 5_000;

/**
 * For a process that does not run the worker (the web server next to a `migawka worker`), or
 * shares PostgreSQL with other nodes: reads the events other processes append and publishes them
 * on this process's bus, so live streams keep working. Where the store can tell it that events were
 * committed (PostgreSQL LISTEN/NOTIFY) it reads at once and polls only as a safety net. Starts
 * from the newest event; returns stop().
 */
export function startEventRelay(store: OperationStore, options: { intervalMs?: number } = {}): () => void {
  const relay = createEventRelay(store);
  const passLogged = () =>
    relay.pass().catch((error) => logger.warn({ err: error }, 'event relay read failed'));
  const stopWatching = store.watchNewEvents?.(() => void passLogged(), {
    onConnectionError: (error, nextAttemptInMs) =>
      logger.warn({ err: error, nextAttemptInMs }, 'event notifications lost their connection: reconnecting'),
  });
  void passLogged();
  const timer = setInterval(
    () => void passLogged(),
    options.intervalMs ?? (stopWatching ? RELAY_POLL_WHEN_WOKEN_MS : RELAY_POLL_MS),
  );
  timer.unref();
  return () => {
    clearInterval(timer);
    stopWatching?.();
    relay.stop();
  };
}
