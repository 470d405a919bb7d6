/**
 * operations.events over HTTP, many streams at once: every stream gets every event it may see, in
 * order, and each event is serialised once for all streams (not once per stream).
 */
import superjson from 'superjson';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type Db, openDatabase } from '../../db/client';
import { ensureDemoLab } from '../../db/seed/ensure-demo-lab';
import { publishOperationEvents } from '../../db/stores/operation-event-bus';
import type { OperationEvent } from '../services/operations-service';
import { readSseEvents, signedIn } from '../test-support';
import { createTrpcHttpHandler, TRPC_ENDPOINT } from './http-handler';
import { processOperationEventHub } from './operation-event-hub';
import { answerSerializer } from './transformer';

let db: Db;
let handle: (request: Request) => Promise<Response>;

beforeEach(() => {
  db = openDatabase(':memory:');
  ensureDemoLab(db, { seedDemo: false });
  handle = createTrpcHttpHandler({
    maxRequestBytes: 4096,
    maxImportBytes: 4096,
    maxBatchSize: 3,
    edge: { allowedHosts: ['localhost'], allowedOrigins: [] },
    createContext: () => signedIn(db, 'viewer'),
  });
});
afterEach(() => {
  vi.restoreAllMocks();
});

function openStream(input: Record<string, unknown> = {}): Promise<Response> {
  const query = encodeURIComponent(JSON.stringify(superjson.serialize(input)));
  return handle(
    new Request(`http://localhost${TRPC_ENDPOINT}/operations.events?input=${query}`, {
      headers: { accept: 'text/event-stream' },
    }),
  );
}

/** Turns of the event loop (no timer) until `ready`: the streams attach to the hub once their context is built. */
async function untilReady(ready: () => boolean): Promise<void> {
  for (let turn = 0; turn < 1_000 && !ready(); turn++) await new Promise((resolve) => setImmediate(resolve));
  if (!ready()) throw new Error('the streams never attached to the event bus');
}

const openStreams = () => processOperationEventHub().streamCount();

const eventsOf = (count: number, firstId: number): OperationEvent[] =>
  Array.from({ length: count }, (_, index) => ({
    id: firstId + index,
    operationId: `op-${index % 3}`,
    type: 'operation.progress',
    payload: { stepsDone: index, stepsTotal: count },
    at: new Date(Date.UTC(2026, 10, 30, 10, 0, index)),
  })) as unknown as OperationEvent[];

describe('operations.events over HTTP', () => {
  it.each([
    { streams: 1, events: 5, operationId: undefined },
    { streams: 20, events: 40, operationId: undefined },
    { streams: 10, events: 30, operationId: 'op-1' },
  ])(
    '$streams streams of $events events (operation $operationId): each gets every event it may see, in order, serialised once',
    async ({ streams, events, operationId }) => {
      const listenersBefore = openStreams();
      const responses = await Promise.all(Array.from({ length: streams }, () => openStream({ operationId })));
      const published = eventsOf(events, 1_000);
      const expected = published.filter((event) => !operationId || event.operationId === operationId);
      const last = expected.at(-1)?.id;
      const reading = responses.map((response) =>
        readSseEvents<OperationEvent>(response, (event) => event.id === last),
      );
      await untilReady(() => openStreams() === listenersBefore + streams);
      const serialize = vi.spyOn(answerSerializer, 'serialize');
      publishOperationEvents(published);
      const received = await Promise.all(reading);

      for (const stream of received) expect(stream).toEqual(expected);
      const eventsSerialized = serialize.mock.calls.filter(([value]) => published.includes(value as never));
      expect(eventsSerialized).toHaveLength(expected.length);
      // The streams ended when read to their last event: none is left open.
      await untilReady(() => openStreams() === listenersBefore);
    },
  );
});
