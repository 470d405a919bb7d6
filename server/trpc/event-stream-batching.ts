/**
 * The byte stream of a tRPC SSE answer, written in batches.
 *
 * tRPC 11 writes every message of an event stream as three or four chunks (`data:` line, `id:` line,
 * blank line), and Next writes and flushes each chunk to the socket on its own. With 500 open
 * streams, one operation event became 1,500 socket writes, and a relay pass that publishes fifty
 * events 75,000: the console fell minutes behind a burst of events (the bench's SSE scenario). Here
 * the chunks a stream produces in one turn of the event loop — every message of one relay pass,
 * since an event travels from the bus to these bytes in microtasks — leave as one chunk, at the
 * next turn (`schedule`, setImmediate in the server). Order is kept; nothing is held longer than
 * that turn; the stream's end writes what is left at once.
 */

export type ScheduleFlush = (flush: () => void) => void;

export const NEXT_TURN: ScheduleFlush = (flush) => {
  setImmediate(flush);
};

export function batchedByTurn(schedule: ScheduleFlush = NEXT_TURN): TransformStream<Uint8Array, Uint8Array> {
  let held: Uint8Array[] = [];
  let isScheduled = false;
  let isClosed = false;
  const joined = (): Uint8Array => {
    if (held.length === 1) return held[0] as Uint8Array;
    const out = new Uint8Array(held.reduce((sum, chunk) => sum + chunk.byteLength, 0));
    let at = 0;
    for (const chunk of held) {
      out.set(chunk, at);
      at += chunk.byteLength;
    }
    return out;
  };
  const release = (controller: TransformStreamDefaultController<Uint8Array>) => {
    if (held.length === 0) return;
    const chunk = joined();
    held = [];
    controller.enqueue(chunk);
  };
  return new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      held.push(chunk);
      if (isScheduled) return;
      isScheduled = true;
      schedule(() => {
        isScheduled = false;
        // A stream that ended in the meantime wrote what it held; one the client closed (its
        // readable side cancelled) refuses the chunk: nothing is left to send it to.
        if (isClosed) return;
        try {
          release(controller);
        } catch {
          held = [];
        }
      });
    },
    flush(controller) {
      release(controller);
      isClosed = true;
    },
  });
}

/** The answer with its event stream batched (above); any other answer as it is. */
export function batchedEventStream(response: Response, schedule: ScheduleFlush = NEXT_TURN): Response {
  const type = response.headers.get('content-type') ?? '';
  if (!response.body || !type.startsWith('text/event-stream')) return response;
  return new Response(response.body.pipeThrough(batchedByTurn(schedule)), {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
}
