/**
 * The fan-out of live operation events to the console's open SSE streams: each event is serialised
 * and encoded once per node, and the same bytes are handed to every stream that may see it.
 *
 * Through tRPC's own pipeline every stream ran two async generators, a ReadableStream over them, a
 * TransformStream writing each message as three chunks and a TextEncoderStream, per event: with
 * 500 open streams the bench's 524 events took minutes to go out (docs/BENCHMARKS.md). Here the hub
 * listens on the bus once; the events of one delivery (a relay pass, a commit) are encoded as one
 * chunk per filter (all operations, or one operation) and each stream gets that one chunk: one
 * enqueue and one socket write per stream per delivery, whatever the number of events.
 *
 * A stream keeps the semantics of `streamOperationEventsAs` (operation-event-stream.ts): from a
 * position it replays the database first, with the live events that arrive meanwhile held and sent
 * after it without a gap or a repeat; it never sends an id at or below one it sent; before each
 * delivery, and every `recheckMs` while quiet, it asks whether its session still stands, and ends
 * with the failure message (UNAUTHORIZED) when it does not.
 *
 * A stream whose reader falls behind by more than `maxBufferedBytes` (the socket does not take
 * what is written) is ended after the last whole message it was given: nothing is dropped silently,
 * the client reconnects with the last id it received and the replay sends the rest.
 */
import type { OperationEvent } from '../services/operations-service';
import { subscribeToOperationEvents } from '../services/operations-service';
import { REPLAY_PAGE, SESSION_RECHECK_MS, sessionEndedError } from './operation-event-stream';
import { CONNECTED_MESSAGE, encodeMessages, trackedMessage } from './sse-wire';
import { transformer } from './transformer';

/** One event and its message: serialised when a stream first needs it, then shared by all. */
interface Entry {
  event: OperationEvent;
  message: string | null;
}

/** The events of one delivery, with their encoded chunk per filter ('' = every operation), made on demand. */
interface Delivery {
  entries: Entry[];
  chunks: Map<string, Chunk | null>;
  serialize: (value: unknown) => unknown;
}

interface Chunk {
  bytes: Uint8Array;
  firstId: number;
  lastId: number;
}

export interface HubStreamOptions {
  operationId?: string;
  /** Where the client stands: replay after it; null with no operation means "from now on". */
  afterId: number | null;
  /** The events after `afterId` (of `operationId` if set), oldest first: the replay's page reader. */
  readAfter: (afterId: number, limit: number) => Promise<OperationEvent[]>;
  stillAllowed?: () => Promise<boolean>;
  /** The last message of a stream that fails: session ended (`cause` is the UNAUTHORIZED), or a read failed. */
  failureMessage: (cause: unknown) => Uint8Array;
  /** The client went away. */
  signal?: AbortSignal;
}

export interface OperationEventHub {
  /** An SSE body for one subscription: `connected`, then its events in tRPC's wire format. */
  open(options: HubStreamOptions): ReadableStream<Uint8Array>;
  /** How many streams are open (tests wait on it). */
  streamCount(): number;
  /** Asks the session of every stream quiet for `recheckMs` (the hub's timer calls it). */
  recheckQuietStreams(): void;
}

export interface HubSettings {
  maxBufferedBytes: number;
  recheckMs: number;
  replayPage: number;
  now: () => number;
  serialize: (value: unknown) => unknown;
  subscribe: (listener: (event: OperationEvent) => void) => () => void;
}

/** A megabyte per stream is thousands of events; the bytes themselves are shared between streams. */
export const MAX_BUFFERED_BYTES_PER_STREAM = 1024 * 1024;

export function createOperationEventHub(overrides: Partial<HubSettings> = {}): OperationEventHub {
  const settings: HubSettings = {
    maxBufferedBytes: MAX_BUFFERED_BYTES_PER_STREAM,
    recheckMs: SESSION_RECHECK_MS,
    replayPage: REPLAY_PAGE,
    now: () => Date.now(),
    serialize: transformer.output.serialize,
    subscribe: subscribeToOperationEvents,
    ...overrides,
  };
  const streams = new Set<HubStream>();
  let unsubscribe: (() => void) | null = null;
  let recheckTimer: ReturnType<typeof setInterval> | null = null;
  let delivery: Delivery | null = null;

  const deliver = () => {
    const current = delivery;
    delivery = null;
    if (current) for (const stream of streams) stream.take(current);
  };
  const onEvent = (event: OperationEvent) => {
    if (!delivery) {
      delivery = { entries: [], chunks: new Map(), serialize: settings.serialize };
      // The bus hands over a relay page event by event in one synchronous loop: one delivery.
      queueMicrotask(deliver);
    }
    delivery.entries.push({ event, message: null });
  };
  const hub: StreamHost = {
    settings,
    attach(stream) {
      streams.add(stream);
      unsubscribe ??= settings.subscribe(onEvent);
      recheckTimer ??= setInterval(() => hubApi.recheckQuietStreams(), settings.recheckMs);
      recheckTimer.unref?.();
    },
    detach(stream) {
      streams.delete(stream);
      if (streams.size > 0) return;
      unsubscribe?.();
      unsubscribe = null;
      if (recheckTimer) clearInterval(recheckTimer);
      recheckTimer = null;
    },
  };
  const hubApi: OperationEventHub = {
    open: (options) => new HubStream(hub, options).body,
    streamCount: () => streams.size,
    recheckQuietStreams() {
      const now = settings.now();
      for (const stream of streams) stream.recheckIfQuiet(now);
    },
  };
  return hubApi;
}

interface StreamHost {
  settings: HubSettings;
  attach(stream: HubStream): void;
  detach(stream: HubStream): void;
}

/** The chunk of `delivery` for the streams of `operationId` ('' = all), encoded once for all of them. */
function chunkOf(delivery: Delivery, operationId: string): Chunk | null {
  let chunk = delivery.chunks.get(operationId);
  if (chunk === undefined) {
    const entries = operationId
      ? delivery.entries.filter((entry) => entry.event.operationId === operationId)
      : delivery.entries;
    chunk = entries.length === 0 ? null : encodeEntries(entries, delivery.serialize);
    delivery.chunks.set(operationId, chunk);
  }
  return chunk;
}

function messageOf(entry: Entry, serialize: (value: unknown) => unknown): string {
  entry.message ??= trackedMessage(String(entry.event.id), serialize(entry.event));
  return entry.message;
}

function encodeEntries(entries: readonly Entry[], serialize: (value: unknown) => unknown): Chunk {
  return {
    bytes: encodeMessages(entries.map((entry) => messageOf(entry, serialize)).join('')),
    firstId: entries[0].event.id,
    lastId: entries[entries.length - 1].event.id,
  };
}

class HubStream {
  readonly body: ReadableStream<Uint8Array>;
  private controller!: ReadableStreamDefaultController<Uint8Array>;
  private state: 'replaying' | 'live' | 'ended' = 'replaying';
  private lastId: number;
  /** Live events that arrived during the replay, and their size in characters. */
  private held: Entry[] = [];
  private heldSize = 0;
  /** Chunks waiting for the session check in progress. */
  private outbox: Uint8Array[] = [];
  private isSending = false;
  private lastCheckedAt: number;
  private roomForMore: (() => void) | null = null;

  constructor(
    private readonly host: StreamHost,
    private readonly options: HubStreamOptions,
  ) {
    this.lastId = options.afterId ?? 0;
    this.lastCheckedAt = host.settings.now();
    this.body = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          this.controller = controller;
        },
        pull: () => this.wakeReplay(),
        cancel: () => this.detach(),
      },
      { highWaterMark: host.settings.maxBufferedBytes, size: (chunk) => chunk.byteLength },
    );
    this.controller.enqueue(CONNECTED_MESSAGE);
    if (options.signal?.aborted) {
      this.end();
      return;
    }
    options.signal?.addEventListener('abort', this.onAbort, { once: true });
    host.attach(this);
    // Without a position, the all-operations stream starts now (as streamOperationEventsAs).
    if (options.afterId === null && options.operationId === undefined) this.goLive();
    else void this.replay();
  }

  private readonly onAbort = () => this.end();

  /** A delivery from the hub: held during the replay, sent once live. */
  take(delivery: Delivery): void {
    const operationId = this.options.operationId ?? '';
    if (this.state === 'replaying') {
      for (const entry of delivery.entries) {
        if (operationId && entry.event.operationId !== operationId) continue;
        this.held.push(entry);
        this.heldSize += messageOf(entry, this.host.settings.serialize).length;
      }
      if (this.heldSize > this.host.settings.maxBufferedBytes) this.end();
      return;
    }
    if (this.state !== 'live') return;
    const chunk = chunkOf(delivery, operationId);
    if (!chunk) return;
    if (chunk.firstId > this.lastId) {
      this.lastId = chunk.lastId;
      this.send(chunk.bytes);
      return;
    }
    // Rare: a delivery overlapping what this stream sent (just after its replay). Its own chunk.
    const entries = delivery.entries.filter(
      (entry) => entry.event.id > this.lastId && (!operationId || entry.event.operationId === operationId),
    );
    if (entries.length === 0) return;
    const own = encodeEntries(entries, delivery.serialize);
    this.lastId = own.lastId;
    this.send(own.bytes);
  }

  recheckIfQuiet(now: number): void {
    if (
      this.state === 'live' &&
      !this.isSending &&
      now - this.lastCheckedAt >= this.host.settings.recheckMs
    ) {
      void this.sendOutbox(true);
    }
  }

  private send(bytes: Uint8Array): void {
    this.outbox.push(bytes);
    void this.sendOutbox(false);
  }

  /** Sends what waits, each time after the session check; one sender at a time keeps the order. */
  private async sendOutbox(isRecheck: boolean): Promise<void> {
    if (this.isSending) return;
    this.isSending = true;
    try {
      let mustCheck = isRecheck;
      while (this.state === 'live' && (mustCheck || this.outbox.length > 0)) {
        mustCheck = false;
        if (!(await this.isAllowed())) return;
        if (this.state !== 'live') return;
        for (const chunk of this.outbox.splice(0)) this.controller.enqueue(chunk);
        if ((this.controller.desiredSize ?? 0) < 0) this.end();
      }
    } catch (cause) {
      this.fail(cause);
    } finally {
      this.isSending = false;
    }
  }

  /** The session check; false (and the stream ended with UNAUTHORIZED) once the session is gone. */
  private async isAllowed(): Promise<boolean> {
    if (!this.options.stillAllowed) return true;
    const allowed = await this.options.stillAllowed();
    this.lastCheckedAt = this.host.settings.now();
    if (!allowed) this.fail(sessionEndedError());
    return allowed;
  }

  private async replay(): Promise<void> {
    const { replayPage } = this.host.settings;
    try {
      for (;;) {
        const page = await this.options.readAfter(this.lastId, replayPage);
        if (this.state !== 'replaying') return;
        if (page.length > 0) {
          if (!(await this.isAllowed()) || this.state !== 'replaying') return;
          const serialize = this.host.settings.serialize;
          const messages = page.map((event) => trackedMessage(String(event.id), serialize(event)));
          this.controller.enqueue(encodeMessages(messages.join('')));
          this.lastId = page[page.length - 1].id;
        }
        if (page.length < replayPage) break;
        await this.untilRoomForMore();
        if (this.state !== 'replaying') return;
      }
      this.goLive();
    } catch (cause) {
      this.fail(cause);
    }
  }

  /** The replay reads its next page once the reader has taken the last one (the stream's pull). */
  private untilRoomForMore(): Promise<void> {
    if ((this.controller.desiredSize ?? 0) > 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.roomForMore = resolve;
    });
  }

  private wakeReplay(): void {
    this.roomForMore?.();
    this.roomForMore = null;
  }

  /** The replay is done: what arrived meanwhile and is newer goes out, then every delivery. */
  private goLive(): void {
    this.state = 'live';
    const newer = this.held.filter((entry) => entry.event.id > this.lastId);
    this.held = [];
    this.heldSize = 0;
    if (newer.length === 0) return;
    const chunk = encodeEntries(newer, this.host.settings.serialize);
    this.lastId = chunk.lastId;
    this.send(chunk.bytes);
  }

  private fail(cause: unknown): void {
    if (this.state === 'ended') return;
    this.controller.enqueue(this.options.failureMessage(cause));
    this.end();
  }

  /** Closes the body after what it was given; the client reconnects with the last id it received. */
  private end(): void {
    if (this.state === 'ended') return;
    this.detach();
    try {
      this.controller.close();
    } catch {
      // Already cancelled by the reader.
    }
  }

  private detach(): void {
    this.state = 'ended';
    this.outbox = [];
    this.held = [];
    this.options.signal?.removeEventListener('abort', this.onAbort);
    this.host.detach(this);
    this.wakeReplay();
  }
}

const holder = globalThis as typeof globalThis & { __migawkaOperationEventHub?: OperationEventHub };

/** The process-wide hub (on globalThis, like the event bus: route bundles may load this module twice). */
export function processOperationEventHub(): OperationEventHub {
  holder.__migawkaOperationEventHub ??= createOperationEventHub();
  return holder.__migawkaOperationEventHub;
}
