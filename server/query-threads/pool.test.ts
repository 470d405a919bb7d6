/**
 * The pool over real worker threads and real HTTP: a test thread (pool.test-thread.mjs) speaks the
 * protocol without a database, so what is checked here is the pool's own work: which lane answers,
 * what reaches the client, and that nothing is lost when a thread fails. thread.test.ts runs the
 * console's own thread on a database.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startQueryThreads } from './pool';

const TEST_THREAD = new URL('./pool.test-thread.mjs', import.meta.url);
const quiet = { warn: () => undefined, error: () => undefined };

interface Served {
  status: number;
  lane: string | null;
  body: string;
}

async function harness(count: number) {
  const logged: string[] = [];
  const pool = await startQueryThreads({
    count,
    entry: TEST_THREAD,
    logger: { ...quiet, warn: (_: unknown, message?: string) => void logged.push(String(message)) },
  });
  // The main thread's answer; '/main-hold' is held until `releaseMain` (requests overlap meanwhile).
  const heldOnMain: http.ServerResponse[] = [];
  const answerOnMain = (response: http.ServerResponse, url: string | undefined) => {
    response.writeHead(200, { 'x-lane': 'main' });
    response.end(`main ${url}`);
  };
  const server = http.createServer((request, response) =>
    pool.serve(request, response, () => {
      if (request.url === '/main-hold') heldOnMain.push(response);
      else answerOnMain(response, request.url);
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const get = async (path: string): Promise<Served> => {
    const response = await fetch(`http://127.0.0.1:${port}${path}`, { headers: { cookie: 'session=abc' } });
    return { status: response.status, lane: response.headers.get('x-lane'), body: await response.text() };
  };
  /** A request the main thread holds: every request after it overlaps it. */
  const holdMain = async () => {
    const answered = get('/main-hold');
    await expect.poll(() => heldOnMain.length).toBe(1);
    return async () => {
      answerOnMain(heldOnMain[0], '/main-hold');
      return answered;
    };
  };
  return {
    pool,
    get,
    holdMain,
    logged,
    close: async () => {
      for (const response of heldOnMain) if (!response.writableEnded) answerOnMain(response, '/main-hold');
      await pool.close();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

let opened: { close: () => Promise<void> } | null = null;
afterEach(async () => {
  await opened?.close();
  opened = null;
  delete process.env.QUERY_TEST_THREAD_FAIL;
});

describe('query threads', () => {
  it('answers a request that arrives alone on the main thread', async () => {
    const h = await harness(1);
    opened = h;
    expect(h.pool.size).toBe(1);
    const served = [await h.get('/a'), await h.get('/b'), await h.get('/c')];
    expect(served.map((answer) => answer.lane)).toEqual(['main', 'main', 'main']);
    expect(served[0]).toEqual({ status: 200, lane: 'main', body: 'main /a' });
  });

  it('answers one overlapping request in three on the main thread and the others on the thread, as the thread wrote them', async () => {
    const h = await harness(1);
    opened = h;
    // The held request arrived alone (the main thread's, counted in its share); the next ones overlap it.
    const release = await h.holdMain();
    const served = [];
    for (const path of ['/b', '/c', '/d', '/e', '/f', '/g', '/h', '/i']) served.push(await h.get(path));
    expect(served.map((answer) => answer.lane)).toEqual([
      'thread',
      'thread',
      'thread',
      'thread',
      'main',
      'thread',
      'thread',
      'main',
    ]);
    expect(await release()).toEqual({ status: 200, lane: 'main', body: 'main /main-hold' });
    // The thread's status, headers and bytes, and the request's own headers reached it.
    expect(served[0].status).toBe(203);
    expect(served[0].body).toMatch(/^thread \d+ holding 0 changes 0 \/b session=abc$/);
  });

  it('answers on the main thread what a thread held when it ended, and replaces the thread', async () => {
    const h = await harness(1);
    opened = h;
    await h.holdMain();
    const ended = await h.get('/exit');
    expect(ended).toEqual({ status: 200, lane: 'main', body: 'main /exit' });
    await expect.poll(() => h.pool.size).toBe(1);
    const answers = [await h.get('/x'), await h.get('/y'), await h.get('/z')];
    const byThread = answers.filter((answer) => answer.lane === 'thread');
    expect(byThread.length).toBeGreaterThan(0);
  });

  it('tells every thread of a session change before the requests sent after it', async () => {
    const h = await harness(2);
    opened = h;
    await h.holdMain();
    h.pool.noteSessionsChanged();
    h.pool.noteSessionsChanged();
    const held = h.get('/hold');
    await expect.poll(() => h.pool.loads()).toEqual([1, 0]);
    // Told on the port the requests take: no request sent after a change is answered before it.
    expect((await h.get('/b')).body).toMatch(/ changes 2 \/b /);
    h.pool.noteSessionsChanged();
    expect((await h.get('/c')).body).toMatch(/ changes 3 \/c /);
    await h.pool.close();
    await held;
  });

  it('answers on the main thread a request the thread could not answer, and says so in the log', async () => {
    const h = await harness(1);
    opened = h;
    await h.holdMain();
    expect(await h.get('/throw')).toEqual({ status: 200, lane: 'main', body: 'main /throw' });
    expect(h.logged).toContain('a query thread could not answer a request');
    expect((await h.get('/after')).lane).toBe('thread');
  });

  it('serves every request on the main thread when no thread can start, and says why', async () => {
    process.env.QUERY_TEST_THREAD_FAIL = '1';
    const h = await harness(2);
    opened = h;
    expect(h.pool.size).toBe(0);
    expect(h.logged).toEqual(['a query thread could not start', 'a query thread could not start']);
    const served = [await h.get('/a'), await h.get('/b'), await h.get('/c')];
    expect(served.map((answer) => answer.lane)).toEqual(['main', 'main', 'main']);
  });

  it('hands a request to the thread with fewer in flight, and answers what a thread holds at close on the main thread', async () => {
    const h = await harness(2);
    opened = h;
    await h.holdMain();
    const held = h.get('/hold');
    await expect.poll(() => h.pool.loads()).toEqual([1, 0]);
    const next = await h.get('/b');
    expect(next.body).toMatch(/^thread \d+ holding 0 changes 0 \/b /);
    expect(h.pool.loads()).toEqual([1, 0]);
    await h.pool.close();
    expect(await held).toEqual({ status: 200, lane: 'main', body: 'main /hold' });
  });
});
