/**
 * operations.events as the console's own producer writes it (operation-events-sse.ts): the same
 * bytes tRPC's handler writes for the same subscription, read by tRPC's real client
 * (`httpSubscriptionLink`) — resumed from lastEventId, refused without a session, and resumed
 * without a gap or a repeat when the hub ends a stream that fell behind.
 */
import { createTRPCClient, httpSubscriptionLink, type TRPCClientError } from '@trpc/client';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import superjson from 'superjson';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { operationEventListenerCount } from '../../db/stores/operation-event-bus';
import { createHarness, type Harness } from '../jobs/test-harness';
import type { Worker } from '../jobs/worker';
import { listEventsSince, type OperationEvent } from '../services/operations-service';
import { signedIn } from '../test-support';
import { type Context, contextFor } from './init';
import { createOperationEventHub, processOperationEventHub } from './operation-event-hub';
import { isOperationEventsRequest, serveOperationEvents } from './operation-events-sse';
import { type AppRouter, appRouter, createCaller } from './root';

const ENDPOINT = '/api/trpc';
let h: Harness;
let worker: Worker;

beforeEach(async () => {
  h = await createHarness();
  worker = h.createWorker();
});
afterEach(async () => {
  await h.close();
});

const viewer = () => signedIn(h.database, 'viewer', { now: h.clock.now });

function streamRequest(input: Record<string, unknown>, headers: Record<string, string> = {}): Request {
  const query = encodeURIComponent(JSON.stringify(superjson.serialize(input)));
  return new Request(`http://localhost${ENDPOINT}/operations.events?input=${query}`, {
    headers: { accept: 'text/event-stream', ...headers },
  });
}

/** What tRPC's own fetch handler answers for the same request. */
function answeredByTrpc(request: Request, context: () => Context): Promise<Response> {
  return fetchRequestHandler({ endpoint: ENDPOINT, req: request, router: appRouter, createContext: context });
}

/** The raw text of a response body until `isEnough` says so (or the body ends); then it is cancelled. */
async function rawText(response: Response, isEnough: (text: string) => boolean): Promise<string> {
  const reader = response.body?.pipeThrough(new TextDecoderStream()).getReader();
  if (!reader) throw new Error('no body');
  let text = '';
  try {
    while (!isEnough(text)) {
      const { value, done } = await reader.read();
      if (done) break;
      text += value;
    }
    return text;
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

async function untilReady(ready: () => boolean): Promise<void> {
  for (let turn = 0; turn < 1_000 && !ready(); turn++) await new Promise((resolve) => setImmediate(resolve));
  if (!ready()) throw new Error('never ready');
}

async function finishedBackup(vmId: string): Promise<OperationEvent[]> {
  const started = await createCaller(signedIn(h.database)).operations.backupVm({ vmId });
  await h.tickUntilFinal(worker, [started.operationId]);
  return listEventsSince(h.stores, { operationId: started.operationId });
}

describe('the wire format', () => {
  it('is tRPC’s byte for byte: headers, connected, a replay from lastEventId and live events', async () => {
    const earlier = await finishedBackup('web1');
    const operationId = earlier[0].operationId;
    const input = { operationId, lastEventId: String(earlier[2].id) };
    const ours = await serveOperationEvents(streamRequest(input), viewer);
    const theirs = await answeredByTrpc(streamRequest(input), viewer);
    for (const name of ['content-type', 'cache-control', 'x-accel-buffering', 'connection', 'vary']) {
      expect(ours.headers.get(name), name).toBe(theirs.headers.get(name));
    }
    expect(ours.status).toBe(theirs.status);
    const lastId = earlier.at(-1)?.id;
    const untilLast = (text: string) => text.includes(`id: ${lastId}\n\n\n`);
    const [oursText, theirsText] = await Promise.all([rawText(ours, untilLast), rawText(theirs, untilLast)]);
    expect(oursText).toBe(theirsText);
    expect(oursText.startsWith('event: connected\ndata: {}\n\n\n')).toBe(true);
    expect(oursText.match(/^id: /gm)).toHaveLength(earlier.length - 3);

    // Live: both streams of every operation, from now on, while another backup runs.
    const hubBefore = processOperationEventHub().streamCount();
    const busBefore = operationEventListenerCount();
    const liveOurs = await serveOperationEvents(streamRequest({}), viewer);
    const liveTheirs = await answeredByTrpc(streamRequest({}), viewer);
    const started = await createCaller(signedIn(h.database)).operations.backupVm({ vmId: 'sql1' });
    const reading = [liveOurs, liveTheirs].map((response) =>
      rawText(response, (text) => /"type":"operation\.finished".*\nid: \d+\n\n\n/.test(text)),
    );
    // tRPC's stream listens once its body is first read; ours from the start.
    await untilReady(
      () =>
        processOperationEventHub().streamCount() === hubBefore + 1 &&
        operationEventListenerCount() > busBefore,
    );
    await h.tickUntilFinal(worker, [started.operationId]);
    const [liveOursText, liveTheirsText] = await Promise.all(reading);
    expect(liveOursText).toBe(liveTheirsText);
    expect(liveOursText).toContain('"type":"step.finished"');
  });

  it.each([
    { name: 'no session', context: () => contextFor(h.database, {}, null), input: {}, code: 'UNAUTHORIZED' },
    {
      name: 'a lastEventId that is not an id',
      context: viewer,
      input: { lastEventId: 'yesterday' },
      code: 'BAD_REQUEST',
    },
  ])(
    'refuses as tRPC does ($name): connected, then the serialized error',
    async ({ context, input, code }) => {
      const [ours, theirs] = await Promise.all([
        serveOperationEvents(streamRequest(input), context).then((response) =>
          rawText(response, () => false),
        ),
        answeredByTrpc(streamRequest(input), context).then((response) => rawText(response, () => false)),
      ]);
      // The error's stack (present outside production) is where each was thrown: compared without it.
      const withoutStack = (text: string) => text.replace(/,"stack":"(?:[^"\\]|\\.)*"/, '');
      expect(withoutStack(ours)).toBe(withoutStack(theirs));
      const [connected, failure, rest] = ours.split('\n\n\n');
      expect(connected).toBe('event: connected\ndata: {}');
      expect(failure).toMatch(/^event: serialized-error\ndata: /);
      expect(rest).toBe('');
      expect(superjson.deserialize(JSON.parse(failure.slice(failure.indexOf('data: ') + 6)))).toMatchObject({
        data: { code },
      });
    },
  );

  it('leaves to tRPC what is not one GET of the procedure', () => {
    const of = (url: string, init: RequestInit = {}) =>
      isOperationEventsRequest(new Request(`http://localhost${url}`, init), ENDPOINT);
    expect(of('/api/trpc/operations.events?input=%7B%7D')).toBe(true);
    expect(of('/api/trpc/operations.events?batch=1')).toBe(false);
    expect(of('/api/trpc/operations.events,operations.list?batch=1')).toBe(false);
    expect(of('/api/trpc/operations.events', { method: 'POST', body: '{}' })).toBe(false);
    expect(of('/api/trpc/operations.list')).toBe(false);
    expect(of('/api/trpc/operations.events', { headers: { accept: 'application/jsonl' } })).toBe(false);
  });
});

/**
 * A browser's EventSource over a handler, per the WHATWG parsing rules: named events, `id` kept
 * across events, and an immediate reconnection with Last-Event-ID when the server ends the body.
 */
class TestEventSource extends EventTarget {
  static handle: (request: Request) => Promise<Response>;
  static connections = 0;
  readonly CONNECTING = 0;
  readonly OPEN = 1;
  readonly CLOSED = 2;
  readyState = 0;
  private lastEventId = '';
  private readonly gone = new AbortController();

  constructor(readonly url: string) {
    super();
    void this.run();
  }

  close(): void {
    this.readyState = this.CLOSED;
    this.gone.abort();
  }

  private async run(): Promise<void> {
    while (this.readyState !== this.CLOSED) {
      const headers: Record<string, string> = { accept: 'text/event-stream' };
      if (this.lastEventId) headers['last-event-id'] = this.lastEventId;
      TestEventSource.connections += 1;
      try {
        const response = await TestEventSource.handle(
          new Request(new URL(this.url, 'http://localhost'), { headers, signal: this.gone.signal }),
        );
        this.readyState = this.OPEN;
        await this.read(response);
      } catch {
        // Closed by the client: the loop ends.
      }
      if (this.readyState === this.CLOSED) return;
      this.readyState = this.CONNECTING;
      this.dispatchEvent(new Event('error'));
    }
  }

  private async read(response: Response): Promise<void> {
    const reader = response.body?.pipeThrough(new TextDecoderStream()).getReader();
    if (!reader) return;
    let buffered = '';
    let type = '';
    let data = '';
    let idBuffer = this.lastEventId;
    for (;;) {
      const { value, done } = await reader.read();
      if (done || this.readyState === this.CLOSED) return;
      buffered += value;
      const lines = buffered.split(/\r\n|\r|\n/);
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        if (line === '') {
          this.lastEventId = idBuffer;
          if (data !== '') {
            this.dispatchEvent(
              new MessageEvent(type || 'message', { data: data.slice(0, -1), lastEventId: this.lastEventId }),
            );
          }
          type = '';
          data = '';
          continue;
        }
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const text = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'event') type = text;
        else if (field === 'data') data += `${text}\n`;
        else if (field === 'id' && !text.includes('\0')) idBuffer = text;
      }
    }
  }
}

function clientOver(handle: (request: Request) => Promise<Response>) {
  TestEventSource.handle = handle;
  TestEventSource.connections = 0;
  return createTRPCClient<AppRouter>({
    links: [
      httpSubscriptionLink({ url: ENDPOINT, transformer: superjson, EventSource: TestEventSource as never }),
    ],
  });
}

type Tracked = { id: string; data: OperationEvent };

describe('read by tRPC’s httpSubscriptionLink', () => {
  it('resumes after lastEventId: only what came after it, in order', async () => {
    const earlier = await finishedBackup('web1');
    const client = clientOver((request) => serveOperationEvents(request, viewer));
    const received: Tracked[] = [];
    await new Promise<void>((resolve, reject) => {
      const subscription = client.operations.events.subscribe(
        { operationId: earlier[0].operationId, lastEventId: String(earlier[2].id) },
        {
          onData: (tracked) => {
            received.push(tracked);
            if (tracked.data.id === earlier.at(-1)?.id) {
              subscription.unsubscribe();
              resolve();
            }
          },
          onError: reject,
        },
      );
    });
    expect(received.map((tracked) => tracked.id)).toEqual(earlier.slice(3).map((event) => String(event.id)));
    expect(received.map((tracked) => tracked.data)).toEqual(earlier.slice(3));
  });

  it('is refused without a session: UNAUTHORIZED, and no reconnection', async () => {
    const client = clientOver((request) => serveOperationEvents(request, () => contextFor(h.database)));
    const error = await new Promise<TRPCClientError<AppRouter>>((resolve) => {
      client.operations.events.subscribe({}, { onData: () => undefined, onError: resolve });
    });
    expect(error.data?.code).toBe('UNAUTHORIZED');
    expect(TestEventSource.connections).toBe(1);
  });

  it('gets every event once when the hub ends a stream that fell behind: it reconnects from its last id', async () => {
    // Every delivery puts this stream over its bound: it is ended after each one and reconnects.
    const hub = createOperationEventHub({ maxBufferedBytes: 1 });
    const client = clientOver((request) => serveOperationEvents(request, viewer, hub));
    const started = await createCaller(signedIn(h.database)).operations.backupVm({ vmId: 'web1' });
    const received: Tracked[] = [];
    const finished = new Promise<void>((resolve, reject) => {
      const subscription = client.operations.events.subscribe(
        { operationId: started.operationId },
        {
          onData: (tracked) => {
            received.push(tracked);
            if (tracked.data.type === 'operation.finished') {
              subscription.unsubscribe();
              resolve();
            }
          },
          onError: reject,
        },
      );
    });
    await untilReady(() => hub.streamCount() === 1);
    await h.tickUntilFinal(worker, [started.operationId]);
    await finished;
    const written = await listEventsSince(h.stores, { operationId: started.operationId });
    expect(received.map((tracked) => tracked.data)).toEqual(written);
    expect(TestEventSource.connections).toBeGreaterThan(1);
  });
});
