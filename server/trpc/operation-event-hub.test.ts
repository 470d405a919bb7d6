/**
 * The fan-out hub on its own, over a bus and a database of the test's making: a replay and the live
 * events that arrive during it go out without a gap or a repeat, one delivery is encoded once for
 * every stream, and a quiet stream whose session ended is told so when the (test's) clock says.
 */
import superjson from 'superjson';
import { describe, expect, it } from 'vitest';
import type { OperationEvent } from '../services/operations-service';
import { createOperationEventHub } from './operation-event-hub';

function eventAt(id: number, operationId = 'op-1'): OperationEvent {
  return {
    id,
    operationId,
    type: 'step.log',
    payload: { stepKey: 'copy', level: 'info', message: `event ${id}` },
    at: new Date(0),
  } as OperationEvent;
}

function fakeBus() {
  const listeners = new Set<(event: OperationEvent) => void>();
  return {
    subscribe(listener: (event: OperationEvent) => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    deliver(events: OperationEvent[]) {
      for (const event of events) for (const listener of listeners) listener(event);
    },
  };
}

/** Messages read from a body until `count` with an id were read (or it ends): ids and failures. */
async function readMessages(body: ReadableStream<Uint8Array>, count: number): Promise<string[]> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  const ids = () => text.match(/^id: \d+$/gm)?.length ?? 0;
  while (ids() < count) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  reader.releaseLock();
  return text.split('\n\n\n').filter(Boolean);
}

const failure = (cause: unknown) => new TextEncoder().encode(`event: failed\ndata: ${String(cause)}\n\n\n`);

describe('the operation event hub', () => {
  it('sends a replay, then the live events held during it that are newer, each once, in order', async () => {
    const bus = fakeBus();
    const hub = createOperationEventHub({ subscribe: bus.subscribe });
    let answerReplay: (page: OperationEvent[]) => void = () => undefined;
    const body = hub.open({
      afterId: 2,
      readAfter: (afterId) => {
        expect(afterId).toBe(2);
        return new Promise((resolve) => {
          answerReplay = resolve;
        });
      },
      failureMessage: failure,
    });
    // While the database is read, events 4..6 arrive live; the replay then returns 3..5.
    bus.deliver([eventAt(4), eventAt(5), eventAt(6)]);
    await Promise.resolve();
    answerReplay([eventAt(3), eventAt(4), eventAt(5)]);
    const messages = await readMessages(body, 4);
    expect(messages[0]).toBe('event: connected\ndata: {}');
    expect(messages.slice(1).map((message) => Number(message.split('\nid: ')[1]))).toEqual([3, 4, 5, 6]);
    expect(superjson.deserialize(JSON.parse(messages[4].slice(6, messages[4].indexOf('\nid: '))))).toEqual(
      eventAt(6),
    );
  });

  it('encodes a delivery once for all streams of a filter, and only the events someone may see', async () => {
    const bus = fakeBus();
    const serialized: number[] = [];
    const hub = createOperationEventHub({
      subscribe: bus.subscribe,
      serialize: (value) => {
        serialized.push((value as OperationEvent).id);
        return superjson.serialize(value);
      },
    });
    const readAfter = async () => [];
    const all = Array.from({ length: 3 }, () =>
      hub.open({ afterId: null, readAfter, failureMessage: failure }),
    );
    const ofTwo = hub.open({ afterId: null, operationId: 'op-2', readAfter, failureMessage: failure });
    await new Promise((resolve) => setImmediate(resolve)); // the op-2 stream's (empty) replay
    bus.deliver([eventAt(1, 'op-1'), eventAt(2, 'op-2'), eventAt(3, 'op-1')]);
    const [first, ...others] = await Promise.all(all.map((body) => readMessages(body, 3)));
    for (const other of others) expect(other).toEqual(first);
    expect((await readMessages(ofTwo, 1)).at(-1)).toContain('\nid: 2');
    expect(serialized.sort()).toEqual([1, 2, 3]);
  });

  it('tells a quiet stream its session ended once recheckMs has passed on its clock, and closes it', async () => {
    let now = 0;
    let allowed = true;
    const bus = fakeBus();
    const hub = createOperationEventHub({ subscribe: bus.subscribe, now: () => now, recheckMs: 15_000 });
    const body = hub.open({
      afterId: null,
      readAfter: async () => [],
      stillAllowed: async () => allowed,
      failureMessage: failure,
    });
    allowed = false;
    now = 14_999;
    hub.recheckQuietStreams();
    expect(hub.streamCount()).toBe(1);
    now = 15_000;
    hub.recheckQuietStreams();
    const messages = await readMessages(body, 1);
    expect(messages).toEqual([
      'event: connected\ndata: {}',
      'event: failed\ndata: TRPCError: Your session ended: sign in again',
    ]);
    expect(hub.streamCount()).toBe(0);
  });
});
