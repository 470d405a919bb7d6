/**
 * One claiming worker of the scale-out scenario (scripts/bench/scale-out.ts), forked as its own
 * process with its own connection to the SQLite file and its own PostgreSQL pool, so the workers of
 * a round really compete for the database and for the cores, as `migawka worker` processes do. It
 * is started once for every round (starting a process costs seconds on a loaded machine). On each
 * 'go' it claims and completes steps on the store named — admission, locks, leases, events: the
 * claims part's path — until its time is up, and sends back each step's milliseconds.
 *
 *   argv: <SQLite file> <PostgreSQL URL> <worker id>
 */
import { openDatabase, sqliteOf } from '../../db/client';
import { openPgDatabase } from '../../db/pg/client';
import { isDatabaseBusy } from '../../db/stores/busy-error';
import type { OperationStore } from '../../db/stores/ports/operation-store';
import { createPgStores } from '../../db/stores/postgres';
import { createSqliteStores } from '../../db/stores/sqlite';

export type Dialect = 'sqlite' | 'postgres';
export type ToWorker = { type: 'go'; dialect: Dialect; seconds: number } | { type: 'stop' };
export type FromWorker =
  | { type: 'ready' }
  | { type: 'done'; stepMs: number[]; emptyClaims: number; busyRetries: number }
  | { type: 'failed'; message: string };

/** Long enough that no lease expires during a round: a round's workers never take over each other. */
const LEASE_MS = 3_600_000;
/**
 * A claim that finds nothing runnable (every admitted operation leased by another worker, the rest
 * held by locks or limits) waits this long before the next, as a real worker waits for its poll.
 */
const EMPTY_CLAIM_PAUSE_MS = 10;

interface Opened {
  stores: Record<Dialect, OperationStore>;
  close(): Promise<void>;
}

async function open(file: string, url: string): Promise<Opened> {
  const db = openDatabase(file);
  const pg = await openPgDatabase(url, { skipMigrations: true, maxConnections: 2 });
  return {
    stores: { sqlite: createSqliteStores(db).operations, postgres: createPgStores(pg.db).operations },
    close: async () => {
      sqliteOf(db).close();
      await pg.close();
    },
  };
}

async function claimUntil(store: OperationStore, workerId: string, seconds: number) {
  const deadline = performance.now() + seconds * 1000;
  const stepMs: number[] = [];
  let emptyClaims = 0;
  let busyRetries = 0;
  while (performance.now() < deadline) {
    const started = performance.now();
    try {
      const claimed = await store.claimNext({ workerId, now: new Date(), leaseMs: LEASE_MS });
      if (!claimed) {
        emptyClaims += 1;
        await new Promise((resolve) => setTimeout(resolve, EMPTY_CLAIM_PAUSE_MS));
        continue;
      }
      await store.completeStep(claimed, { status: 'succeeded', bytes: 0 }, { workerId, now: new Date() });
      stepMs.push(performance.now() - started);
    } catch (error) {
      // Refused whole (SQLite's write lock held past the busy timeout by the other workers): the
      // step stays leased to this worker, whose next claim takes it up again.
      if (!isDatabaseBusy(error)) throw error;
      busyRetries += 1;
    }
  }
  return { stepMs, emptyClaims, busyRetries };
}

function send(message: FromWorker): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send) throw new Error('claim-worker runs forked by the bench (no IPC channel)');
    process.send(message, undefined, {}, () => resolve());
  });
}

async function main(): Promise<void> {
  const [file, url, workerId] = process.argv.slice(2);
  const opened = await open(file, url);
  const messages: ToWorker[] = [];
  let wake: () => void = () => {};
  process.on('message', (message: ToWorker) => {
    messages.push(message);
    wake();
  });
  const next = async (): Promise<ToWorker> => {
    while (messages.length === 0) await new Promise<void>((resolve) => (wake = resolve));
    return messages.shift() as ToWorker;
  };
  await send({ type: 'ready' });
  try {
    for (let message = await next(); message.type === 'go'; message = await next()) {
      const result = await claimUntil(opened.stores[message.dialect], workerId, message.seconds);
      await send({ type: 'done', ...result });
    }
  } finally {
    await opened.close();
  }
  process.disconnect();
}

main().catch(async (error: unknown) => {
  await send({
    type: 'failed',
    message: error instanceof Error ? (error.stack ?? error.message) : String(error),
  });
  process.exit(1);
});
