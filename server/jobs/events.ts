/**
 * Operation events for the runner's consumers: the typed payloads (db/stores/ports/
 * operation-events.ts), the in-process bus stores publish on after commit, and the relay for a
 * process that does not run the worker itself.
 */

import { publishOperationEvents, subscribeToOperationEvents } from '../../db/stores/operation-event-bus';
import type { OperationStore } from '../../db/stores/ports';
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
   * One pass: publishes on this process's bus every event appended since the last pass that this
   * process did not publish itself (in id order, once). The first pass starts from the newest
   * event. Passes never overlap: one asked for while another runs does nothing.
   */
  pass(): Promise<void>;
  stop(): void;
}

/** The relay's state and its one-pass step; `startEventRelay` runs passes on a timer. */
export function createEventRelay(store: OperationStore): EventRelay {
  let cursor: number | null = null;
  let isPolling = false;
  // Events this process wrote itself were already published: remember their ids to skip them.
  const publishedHere = new Set<number>();
  const unsubscribe = subscribeToOperationEvents((event) => {
    if (cursor === null || event.id > cursor) publishedHere.add(event.id);
  });
  async function pass(): Promise<void> {
    if (isPolling) return;
    isPolling = true;
    try {
      cursor ??= await store.lastEventId();
      for (;;) {
        const page = await store.readEventsAfter({ afterId: cursor, limit: RELAY_PAGE });
        for (const event of page) {
          cursor = event.id;
          if (!publishedHere.delete(event.id)) publishOperationEvents([event]);
        }
        if (page.length < RELAY_PAGE) break;
      }
      for (const id of publishedHere) if (id <= cursor) publishedHere.delete(id);
    } finally {
      isPolling = false;
    }
  }
  return { pass, stop: unsubscribe };
}

/**
 * For a process that does not run the worker (the web server next to a `migawka worker`): reads
 * the events other processes append and publishes them on this process's bus, so live streams
 * keep working. Starts from the newest event; returns stop().
 */
export function startEventRelay(store: OperationStore, options: { intervalMs?: number } = {}): () => void {
  const relay = createEventRelay(store);
  const passLogged = () =>
    relay.pass().catch((error) => logger.warn({ err: error }, 'event relay poll failed'));
  void passLogged();
  const timer = setInterval(() => void passLogged(), options.intervalMs ?? 500);
  timer.unref();
  return () => {
    clearInterval(timer);
    relay.stop();
  };
}
