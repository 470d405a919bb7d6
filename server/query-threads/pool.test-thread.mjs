// A query thread for pool.test.ts: it speaks the protocol (protocol.ts) over a real worker thread
// without a database. Its answer names the thread, how many requests it holds and how many session
// changes it was told of; the paths /exit
// and /throw make it end, or say it could not answer; /hold is never answered by it (the pool's
// close answers it on the main thread); QUERY_TEST_THREAD_FAIL=1 makes it fail to start.
import { parentPort, threadId } from 'node:worker_threads';

if (process.env.QUERY_TEST_THREAD_FAIL === '1') {
  parentPort.postMessage({ kind: 'failed', message: 'the database could not be opened' });
} else {
  let holding = 0;
  let changes = 0;
  parentPort.on('message', (message) => {
    if (message.kind === 'sessions-changed') {
      changes += 1;
      return;
    }
    const { id, url, headers } = message;
    const { pathname } = new URL(url);
    if (pathname.endsWith('/exit')) process.exit(1);
    if (pathname.endsWith('/throw')) {
      parentPort.postMessage({ kind: 'unanswered', id, message: 'the endpoint threw' });
      return;
    }
    if (pathname.endsWith('/hold')) {
      holding += 1;
      return;
    }
    const cookie = headers.find(([name]) => name === 'cookie')?.[1] ?? '';
    const body = new TextEncoder().encode(
      `thread ${threadId} holding ${holding} changes ${changes} ${pathname} ${cookie}`,
    );
    parentPort.postMessage(
      {
        kind: 'answer',
        id,
        status: 203,
        headers: [
          ['content-type', 'text/plain'],
          ['x-lane', 'thread'],
        ],
        body,
      },
      [body.buffer],
    );
  });
  parentPort.postMessage({ kind: 'ready' });
}
