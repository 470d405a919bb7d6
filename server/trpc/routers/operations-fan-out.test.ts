/**
 * Many live streams of one session while operations run: every stream gets every event, in order,
 * and the session is looked up once per window for all of them (server/auth/session-checks.ts),
 * not once per stream and event — 500 tabs × 524 events was the bench's SSE scenario falling
 * minutes behind. Time is the test's: the window never passes unless the test moves its clock.
 */
import { setMaxListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../../db/client';
import { publishOperationEvents } from '../../../db/stores/operation-event-bus';
import type { OperationEvent } from '../../../db/stores/ports/operation-events';
import { createSqliteStores } from '../../../db/stores/sqlite';
import { createSessionChecks } from '../../auth/session-checks';
import { streamOperationEvents } from '../operation-event-stream';

const STREAMS = 500;
const EVENTS = 40;

function eventAt(id: number): OperationEvent {
  return {
    id,
    operationId: `op-${id % 20}`,
    type: 'step.log',
    payload: { stepKey: 'copy', level: 'info', message: `event ${id}` },
    at: new Date(0),
  };
}

/** Reads `count` events from a stream, then stops it. */
async function firstIds(stream: AsyncGenerator<OperationEvent>, count: number): Promise<number[]> {
  const ids: number[] = [];
  for await (const event of stream) {
    ids.push(event.id);
    if (ids.length === count) break;
  }
  return ids;
}

describe('live streams of one session', () => {
  it('deliver every event to 500 streams with one session look-up per window', async () => {
    const stores = createSqliteStores(openDatabase(':memory:'));
    let now = 0;
    let lookUps = 0;
    const checks = createSessionChecks<boolean>({ maxAgeMs: 1_000, now: () => now });
    const stillAllowed = () =>
      checks.lookUp('session-token', async () => {
        lookUps += 1;
        return true;
      });
    const abort = new AbortController();
    setMaxListeners(STREAMS, abort.signal); // one abort listener per stream
    const streams = Array.from({ length: STREAMS }, () =>
      streamOperationEvents(stores, { afterId: null, signal: abort.signal, stillAllowed }),
    );
    // Each stream listens on the bus from its first read on.
    const first = streams.map((stream) => stream.next());
    publishOperationEvents([eventAt(1)]);
    const firstEvents = await Promise.all(first);
    expect(firstEvents.every((result) => result.value?.id === 1)).toBe(true);

    const rest = streams.map((stream) => firstIds(stream, EVENTS - 1));
    for (let id = 2; id <= EVENTS; id++) {
      publishOperationEvents([eventAt(id)]);
      if (id === EVENTS / 2) now += 1_000; // halfway, the window passes once
    }
    const received = await Promise.all(rest);
    abort.abort();

    const expected = Array.from({ length: EVENTS - 1 }, (_, i) => i + 2);
    for (const ids of received) expect(ids).toEqual(expected);
    expect(lookUps).toBeLessThanOrEqual(2);
  });
});
