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

/**
 * For a process that does not run the worker (the web server next to a `migawka worker`): reads
 * the events other processes append and publishes them on this process's bus, so live streams
 * keep working. Starts from the newest event; returns stop().
 */
export function startEventRelay(store: OperationStore, options: { intervalMs?: number } = {}): () => void {
  let cursor: number | null = null;
  let isPolling = false;
  // Events this process wrote itself were already published: remember their ids to skip them.
  const publishedHere = new Set<number>();
  const unsubscribe = subscribeToOperationEvents((event) => {
    if (cursor === null || event.id > cursor) publishedHere.add(event.id);
  });
  async function poll(): Promise<void> {
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
  const pollLogged = () => poll().catch((error) => logger.warn({ err: error }, 'event relay poll failed'));
  void pollLogged();
  const timer = setInterval(() => void pollLogged(), options.intervalMs ?? 500);
  timer.unref();
  return () => {
    clearInterval(timer);
    unsubscribe();
  };
}
