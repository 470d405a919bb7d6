/**
 * The durable queue: claim + complete of the queued backups through the operation store (admission,
 * locks, leases, events, each in its own write transaction), per operation, beside a plain loop
 * doing the least a durable SQLite queue can do for the same number of claims and completions.
 * And the live stream: 500 SSE subscribers on the console while 20 operations run (their events
 * written by this process, relayed by the console from the database), no event lost.
 */
import type BetterSqlite from 'better-sqlite3';
import type { Db } from '../../db/client';
import { sqliteOf } from '../../db/client';
import type { OperationStore } from '../../db/stores/ports/operation-store';
import { createSqliteStores } from '../../db/stores/sqlite';
import type { Row } from './report';

const WORKER = 'bench-worker';

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
const LEASE_MS = 3_600_000;

/**
 * Claims and completes steps until `isDone` says stop or nothing is runnable: the steps it ran and
 * the time spent in claims and completions only (the bench's own progress count is not the store's
 * cost, and the floor loop counts nothing).
 */
async function drain(
  store: OperationStore,
  isDone: () => Promise<boolean> | boolean,
  everyStep: (steps: number) => void = () => {},
): Promise<{ steps: number; elapsedMs: number }> {
  let steps = 0;
  let elapsedMs = 0;
  const now = new Date();
  while (!(await isDone())) {
    const started = performance.now();
    const claimed = await store.claimNext({ workerId: WORKER, now, leaseMs: LEASE_MS });
    if (!claimed) break;
    await store.completeStep(claimed, { status: 'succeeded', bytes: 0 }, { workerId: WORKER, now });
    elapsedMs += performance.now() - started;
    steps += 1;
    everyStep(steps);
  }
  return { steps, elapsedMs };
}

function countOperations(db: Db, where: string): number {
  return (sqliteOf(db).prepare(`select count(*) as n from operations where ${where}`).get() as { n: number })
    .n;
}

/**
 * The floor: a plain table of queued rows, and for every claim a BEGIN IMMEDIATE transaction that
 * takes the oldest queued row and marks it running, and for every completion one that marks it done.
 * Run in rounds between the store's steps (`run`), so that both are timed in the same moments of a
 * shared machine: a floor timed once after the whole scenario met another moment's load.
 */
class PlainQueueLoop {
  private readonly insert: BetterSqlite.Statement;
  private readonly claim: () => number | undefined;
  private readonly complete: (id: number) => void;
  /** Time spent in the loop's claims and completions. */
  elapsedMs = 0;
  steps = 0;

  constructor(private readonly sqlite: BetterSqlite.Database) {
    sqlite.exec(`drop table if exists bench_plain_queue;
      create table bench_plain_queue (id integer primary key, status text not null);
      create index bench_plain_queue_status on bench_plain_queue (status, id);`);
    this.insert = sqlite.prepare(`insert into bench_plain_queue (status) values ('queued')`);
    const next = sqlite.prepare(
      `select id from bench_plain_queue where status = 'queued' order by id limit 1`,
    );
    const mark = sqlite.prepare('update bench_plain_queue set status = ? where id = ?');
    const claim = sqlite.transaction(() => {
      const row = next.get() as { id: number } | undefined;
      if (row) mark.run('running', row.id);
      return row?.id;
    });
    const complete = sqlite.transaction((id: number) => mark.run('done', id));
    this.claim = () => claim.immediate();
    this.complete = (id) => complete.immediate(id);
  }

  /** Queues `claims` rows (not timed), then claims and completes them. */
  run(claims: number): void {
    this.sqlite.transaction(() => {
      for (let i = 0; i < claims; i++) this.insert.run();
    })();
    const started = performance.now();
    for (;;) {
      const id = this.claim();
      if (id === undefined) break;
      this.complete(id);
      this.steps += 1;
    }
    this.elapsedMs += performance.now() - started;
  }

  drop(): void {
    this.sqlite.exec('drop table bench_plain_queue');
  }
}

/** How many of the store's steps run between two rounds of the floor loop. */
const FLOOR_ROUND = 50;

/**
 * Claims and completes steps of the queued backups until `operations` of them finished or the time
 * budget is spent, with every other backup still queued behind them (admission looks at all of
 * them). Reported per step (claim + complete), beside the plain loop's for the same number of steps
 * (run in rounds between them), and per finished operation.
 */
export async function measureClaims(
  db: Db,
  options: { operations: number; budgetMs: number },
): Promise<Row[]> {
  const store = createSqliteStores(db).operations;
  const finished = () => countOperations(db, `status not in ('queued', 'waiting', 'running')`);
  const queued = countOperations(db, `status in ('queued', 'waiting')`);
  const before = finished();
  const started = performance.now();
  const floor = new PlainQueueLoop(sqliteOf(db));
  const { steps, elapsedMs: elapsed } = await drain(
    store,
    () => finished() - before >= options.operations || performance.now() - started > options.budgetMs,
    (steps) => {
      if (steps % FLOOR_ROUND === 0) floor.run(FLOOR_ROUND);
    },
  );
  floor.run(steps - floor.steps);
  floor.drop();
  const done = finished() - before;
  const perStep = elapsed / Math.max(steps, 1);
  const floorPerStep = floor.elapsedMs / Math.max(floor.steps, 1);
  return [
    {
      scenario: `claim + complete per step, ${queued} backups queued`,
      unit: 'ms',
      value: { median: perStep, p95: Number.NaN, count: steps },
      floor: { median: floorPerStep, p95: Number.NaN, count: steps },
      target: { max: 25 },
      note: `${steps} steps, ${done} operations finished, ${(elapsed / 1000).toFixed(1)} s in claims and completions: ${done > 0 ? (elapsed / done).toFixed(0) : '—'} ms per operation; floor: a plain SQLite queue loop`,
    },
  ];
}

interface Subscriber {
  received: number;
  done: Promise<void>;
  abort: AbortController;
}

/** One SSE client of operations.events counting the events (messages with an id) it receives. */
function subscribe(url: string, cookie: string, onOpen: () => void): Subscriber {
  const abort = new AbortController();
  const subscriber: Subscriber = { received: 0, done: Promise.resolve(), abort };
  const input = encodeURIComponent(JSON.stringify({ json: {} }));
  subscriber.done = (async () => {
    const response = await fetch(`${url}/api/trpc/operations.events?input=${input}`, {
      headers: { cookie, accept: 'text/event-stream' },
      signal: abort.signal,
    });
    if (!response.ok || !response.body) throw new Error(`operations.events answered ${response.status}`);
    const decoder = new TextDecoder();
    let buffer = '';
    let isOpen = false;
    const reader = response.body.getReader();
    try {
      for (;;) {
        const { value: chunk, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(chunk, { stream: true });
        let end = buffer.indexOf('\n\n');
        while (end >= 0) {
          const message = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (!isOpen) {
            isOpen = true;
            onOpen();
          }
          if (/^id: /m.test(message)) subscriber.received += 1;
          end = buffer.indexOf('\n\n');
        }
      }
    } catch (error) {
      if (!abort.signal.aborted) throw error;
    }
  })();
  return subscriber;
}

function receivedRange(subscribers: Subscriber[]): string {
  const counts = subscribers.map((s) => s.received);
  const least = Math.min(...counts);
  const most = Math.max(...counts);
  return least === most ? String(least) : `${least}–${most}`;
}

export async function measureFanOut(options: {
  db: Db;
  url: string;
  cookie: string;
  subscribers: number;
  operations: number;
  timeoutMs: number;
}): Promise<Row[]> {
  const { db } = options;
  let open = 0;
  let allOpen: () => void = () => {};
  const opened = new Promise<void>((resolve) => {
    allOpen = resolve;
  });
  const subscribers = Array.from({ length: options.subscribers }, () =>
    subscribe(options.url, options.cookie, () => {
      open += 1;
      if (open === options.subscribers) allOpen();
    }),
  );
  // A subscriber that never connects counts as losing every event; the run goes on without it.
  await Promise.race([opened, Promise.all(subscribers.map((s) => s.done)), sleep(60_000)]);
  const sqlite = sqliteOf(db);
  const lastEventBefore = (
    sqlite.prepare('select coalesce(max(id), 0) as id from operation_events').get() as { id: number }
  ).id;
  const finishedBefore = countOperations(db, `status not in ('queued', 'waiting', 'running')`);
  const store = createSqliteStores(db).operations;
  const started = performance.now();
  await drain(
    store,
    () =>
      countOperations(db, `status not in ('queued', 'waiting', 'running')`) - finishedBefore >=
      options.operations,
  );
  const drainedMs = performance.now() - started;
  const written = (
    sqlite.prepare('select count(*) as n from operation_events where id > ?').get(lastEventBefore) as {
      n: number;
    }
  ).n;
  const deadline = Date.now() + options.timeoutMs;
  // The console relays the events from the database on its own timer: wait for the subscribers.
  while (Date.now() < deadline && subscribers.some((s) => s.received < written)) {
    await sleep(100);
  }
  const deliveredMs = performance.now() - started;
  for (const subscriber of subscribers) subscriber.abort.abort();
  await Promise.race([Promise.allSettled(subscribers.map((s) => s.done)), sleep(10_000)]);
  const lost = subscribers.reduce((sum, s) => sum + Math.max(0, written - s.received), 0);
  return [
    {
      scenario: `SSE: ${options.subscribers} subscribers, ${options.operations} operations, events lost`,
      unit: 'events',
      value: { median: lost, p95: lost, count: options.subscribers },
      judged: 'value',
      target: { max: 0 },
      note: `${open} of ${options.subscribers} connected; ${written} events each, written in ${(drainedMs / 1000).toFixed(1)} s, delivered in ${(deliveredMs / 1000).toFixed(1)} s; received per subscriber ${receivedRange(subscribers)}`,
    },
  ];
}
