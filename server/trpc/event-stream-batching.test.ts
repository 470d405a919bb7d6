import { describe, expect, it } from 'vitest';
import { batchedByTurn, batchedEventStream } from './event-stream-batching';

/** A hand-turned event loop: flushes wait until `turn()`. */
function manualTurns() {
  let waiting: (() => void)[] = [];
  return {
    schedule: (flush: () => void) => {
      waiting.push(flush);
    },
    turn: () => {
      const now = waiting;
      waiting = [];
      for (const flush of now) flush();
    },
    pending: () => waiting.length,
  };
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
/** Lets the streams' promise jobs run (no timers: microtasks only). */
const settle = async () => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
};

/** Writes `turns` (each a list of chunks written in one turn) and returns what left, chunk by chunk. */
async function batchesOf(turns: string[][], options: { endAfter: boolean }): Promise<string[]> {
  const loop = manualTurns();
  const batching = batchedByTurn(loop.schedule);
  const writer = batching.writable.getWriter();
  const reader = batching.readable.getReader();
  const out: string[] = [];
  const reading = (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      out.push(decoder.decode(value));
    }
  })();
  for (const chunks of turns) {
    for (const chunk of chunks) await writer.write(encoder.encode(chunk));
    await settle();
    loop.turn();
    await settle();
  }
  if (options.endAfter) {
    await writer.close();
    await reading;
  }
  return out;
}

describe('an event stream batched by turn of the event loop', () => {
  it.each([
    {
      name: 'the chunks of one turn leave as one, in order',
      turns: [['data: 1\n', 'id: 1\n', '\n\n', 'data: 2\n', 'id: 2\n', '\n\n']],
      expected: ['data: 1\nid: 1\n\n\ndata: 2\nid: 2\n\n\n'],
    },
    {
      name: 'each turn leaves as its own chunk',
      turns: [['data: 1\n', '\n\n'], ['data: 2\n', '\n\n'], ['data: 3\n']],
      expected: ['data: 1\n\n\n', 'data: 2\n\n\n', 'data: 3\n'],
    },
    { name: 'a turn with nothing written sends nothing', turns: [[], ['a'], []], expected: ['a'] },
  ])('$name', async ({ turns, expected }) => {
    expect(await batchesOf(turns, { endAfter: true })).toEqual(expected);
  });

  it('writes what is held at once when the stream ends, without waiting for the turn', async () => {
    const loop = manualTurns();
    const batching = batchedByTurn(loop.schedule);
    const writer = batching.writable.getWriter();
    const reader = batching.readable.getReader();
    // As Next's pipe does, the reader waits before anything is written.
    const first = reader.read();
    const writing = Promise.all([
      writer.write(encoder.encode('data: last\n')),
      writer.write(encoder.encode('\n\n')),
      writer.close(),
    ]);
    expect(decoder.decode((await first).value)).toBe('data: last\n\n\n');
    expect((await reader.read()).done).toBe(true);
    await writing;
    // The flush scheduled before the end finds nothing left to send.
    expect(loop.pending()).toBe(1);
    expect(() => loop.turn()).not.toThrow();
  });

  it('sends nothing more once the client went away, and stops its source', async () => {
    const loop = manualTurns();
    let sourceCancelled = false;
    const source = new ReadableStream<Uint8Array>({
      start: (controller) => controller.enqueue(encoder.encode('data: 1\n')),
      cancel: () => {
        sourceCancelled = true;
      },
    });
    const reader = source.pipeThrough(batchedByTurn(loop.schedule)).getReader();
    const read = reader.read();
    await settle();
    expect(loop.pending()).toBe(1);
    await reader.cancel();
    expect((await read).done).toBe(true);
    await settle();
    expect(() => loop.turn()).not.toThrow();
    expect(sourceCancelled).toBe(true);
  });
});

describe('batchedEventStream', () => {
  it('leaves an answer that is not an event stream as it is', () => {
    const response = Response.json({ ok: true });
    expect(batchedEventStream(response)).toBe(response);
  });

  it('keeps the status and headers of an event stream', async () => {
    const loop = manualTurns();
    const response = new Response(encoder.encode('data: 1\n\n'), {
      status: 200,
      headers: {
        'content-type': 'text/event-stream',
        'cache-control': 'no-cache, no-transform',
        'x-accel-buffering': 'no',
      },
    });
    const batched = batchedEventStream(response, loop.schedule);
    expect(batched.status).toBe(200);
    expect(batched.headers.get('content-type')).toBe('text/event-stream');
    expect(batched.headers.get('x-accel-buffering')).toBe('no');
    expect(batched.headers.get('cache-control')).toBe('no-cache, no-transform');
    expect(await batched.text()).toBe('data: 1\n\n');
  });
});
