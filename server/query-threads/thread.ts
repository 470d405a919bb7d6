/**
 * A query thread: the console's tRPC endpoint (the same edge checks, session look-up, procedures
 * and serialisation as the main thread's) on a database connection of its own, answering the
 * estate's reads the main thread hands it (routing.ts). Compiled by bundle.ts when the console
 * starts, and started by pool.ts.
 */
import { parentPort } from 'node:worker_threads';
import { getProcessDatabase } from '../../db/process-database';
import { processSessionChecks } from '../auth/session-checks';
import { withGzip } from '../http-compression';
import { createConsoleTrpcEndpoint } from '../trpc/console-endpoint';
import type {
  QueryAnswerMessage,
  QueryThreadStartMessage,
  QueryUnansweredMessage,
  ToQueryThreadMessage,
} from './protocol';

async function serve(port: NonNullable<typeof parentPort>): Promise<void> {
  let endpoint: ReturnType<typeof createConsoleTrpcEndpoint>;
  try {
    await getProcessDatabase();
    endpoint = createConsoleTrpcEndpoint();
  } catch (error) {
    const failed: QueryThreadStartMessage = { kind: 'failed', message: (error as Error).message };
    port.postMessage(failed);
    return;
  }
  port.on('message', async (message: ToQueryThreadMessage) => {
    // A session revoked or a user changed on the main thread: judged afresh from the next request.
    if (message.kind === 'sessions-changed') return processSessionChecks().noteChanged();
    const { id, url, headers } = message;
    try {
      const request = new Request(url, { headers });
      const response = await withGzip(request, await endpoint(request));
      const body = new Uint8Array(await response.arrayBuffer());
      const answer: QueryAnswerMessage = {
        kind: 'answer',
        id,
        status: response.status,
        headers: [...response.headers],
        body,
      };
      port.postMessage(answer, [body.buffer]);
    } catch (error) {
      const unanswered: QueryUnansweredMessage = {
        kind: 'unanswered',
        id,
        message: (error as Error).message,
      };
      port.postMessage(unanswered);
    }
  });
  const ready: QueryThreadStartMessage = { kind: 'ready' };
  port.postMessage(ready);
}

if (parentPort) await serve(parentPort);
