/**
 * The console's query threads (MIGAWKA_QUERY_THREADS): worker threads that answer the estate's
 * reads (routing.ts) beside the main thread, so one console process uses more than one core.
 *
 * Why: a list page costs ~2.5 ms of CPU, and the main thread alone served ~370–440 of them a second
 * at 32 connections while the machine's other core sat 40 % idle (docs/BENCHMARKS.md). A request
 * that arrives alone is answered by the main thread; when requests overlap, the main thread answers
 * a share of them and hands the others to the threads (pickLane).
 *
 * Nothing is lost to a thread: the requests a thread holds when it fails, or that it could not
 * answer, are answered by the main thread (they are reads: asking again changes nothing), and a
 * thread that fails after it started is replaced. A thread that cannot start is logged and left
 * out: the main thread answers everything, as without threads.
 */
import type http from 'node:http';
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { QueryRequestMessage, QueryThreadMessage, SessionsChangedMessage } from './protocol';
import { MAIN_LANE, newLaneShare, pickLane } from './routing';

export interface QueryThreadPool {
  /** Answers the request on a thread, or on the main thread in its share (`serveOnMain`: pickLane). */
  serve(request: http.IncomingMessage, response: http.ServerResponse, serveOnMain: () => void): void;
  /** The threads serving now. */
  readonly size: number;
  /** The requests each serving thread holds. */
  loads(): number[];
  /** Sessions or users changed: every thread forgets its shared session answers before its next request. */
  noteSessionsChanged(): void;
  close(): Promise<void>;
}

/**
 * A thread's young generation: V8's default let a thread under load hold ~200 MB more than the
 * main thread alone, half of it garbage of requests already answered; at 16 MB a thread adds
 * ~110 MB and still answers most of the requests (docs/BENCHMARKS.md).
 */
const THREAD_YOUNG_GENERATION_MB = 16;

interface Lane {
  worker: Worker;
  ready: boolean;
  inFlight: Map<number, Held>;
}

interface Held {
  response: http.ServerResponse;
  serveOnMain: () => void;
}

export async function startQueryThreads(options: {
  count: number;
  /** The thread's module (bundle.ts builds the console's). */
  entry: URL;
  logger: Pick<Logger, 'warn' | 'error'>;
}): Promise<QueryThreadPool> {
  const lanes: Lane[] = [];
  const share = newLaneShare();
  let mainInFlight = 0;
  let nextId = 0;
  let isClosing = false;

  const answerOnMain = (held: Held) => {
    if (held.response.writableEnded || held.response.destroyed) return;
    mainInFlight += 1;
    held.response.once('close', () => {
      mainInFlight -= 1;
    });
    held.serveOnMain();
  };

  /** Starts a thread; resolves when it serves, or with null when it could not start. */
  const startLane = (): Promise<Lane | null> =>
    new Promise((resolve) => {
      const worker = new Worker(options.entry, {
        resourceLimits: { maxYoungGenerationSizeMb: THREAD_YOUNG_GENERATION_MB },
      });
      const lane: Lane = { worker, ready: false, inFlight: new Map() };
      worker.on('message', (message: QueryThreadMessage) => {
        if (message.kind === 'ready') {
          lane.ready = true;
          resolve(lane);
        } else if (message.kind === 'failed') {
          options.logger.warn({ reason: message.message }, 'a query thread could not start');
          void worker.terminate();
        } else {
          const held = lane.inFlight.get(message.id);
          if (!held) return;
          lane.inFlight.delete(message.id);
          if (message.kind === 'unanswered') {
            options.logger.warn({ reason: message.message }, 'a query thread could not answer a request');
            answerOnMain(held);
          } else if (!held.response.destroyed) {
            held.response.writeHead(message.status, message.headers.flat());
            held.response.end(message.body);
          }
        }
      });
      worker.on('error', (error) => options.logger.error({ err: error }, 'a query thread failed'));
      worker.once('exit', () => {
        const index = lanes.indexOf(lane);
        if (index !== -1) lanes.splice(index, 1);
        const held = [...lane.inFlight.values()];
        lane.inFlight.clear();
        for (const request of held) answerOnMain(request);
        if (!lane.ready) return resolve(null);
        // It served, then failed: another takes its place, unless the pool closed while it started.
        if (isClosing) return;
        void startLane().then((replacement) => {
          if (!replacement) return;
          if (isClosing) void replacement.worker.terminate();
          else lanes.push(replacement);
        });
      });
    });

  const loads = () => lanes.map((lane) => lane.inFlight.size);
  const started = await Promise.all(Array.from({ length: options.count }, startLane));
  for (const lane of started) if (lane) lanes.push(lane);

  return {
    get size() {
      return lanes.length;
    },
    loads,
    serve(request, response, serveOnMain) {
      const lane = pickLane(share, mainInFlight, loads());
      const held: Held = { response, serveOnMain };
      if (lane === MAIN_LANE) return answerOnMain(held);
      const id = nextId++;
      lanes[lane].inFlight.set(id, held);
      const message: QueryRequestMessage = {
        kind: 'request',
        id,
        url: `http://${request.headers.host ?? 'localhost'}${request.url}`,
        headers: headersOf(request),
      };
      lanes[lane].worker.postMessage(message);
    },
    noteSessionsChanged() {
      const message: SessionsChangedMessage = { kind: 'sessions-changed' };
      for (const lane of lanes) lane.worker.postMessage(message);
    },
    async close() {
      isClosing = true;
      await Promise.all(lanes.map((lane) => lane.worker.terminate()));
    },
  };
}

/** The request's headers as the platform's Headers take them (repeated ones joined, cookies by '; '). */
function headersOf(request: http.IncomingMessage): [string, string][] {
  const headers: [string, string][] = [];
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    headers.push([name, Array.isArray(value) ? value.join(name === 'cookie' ? '; ' : ', ') : value]);
  }
  return headers;
}
