/**
 * The scale-out part (`--only scale-out`, when DATABASE_URL names a PostgreSQL server): the same
 * estate on SQLite and on PostgreSQL, side by side in one run.
 *
 * - An estate of its own, seeded like the large one at the bench's scale but without restore points
 *   (neither the VM list nor a claim reads them, and `migawka db copy`, whose code copies the estate
 *   to PostgreSQL, maintains PostgreSQL's restore-point read models row by row: 1,000,000 points
 *   would take the best part of an hour on a loaded machine), with the backups queued, is copied
 *   into a throw-away PostgreSQL database created on that server, dropped at the end. Both stores
 *   then hold the same rows, queue included.
 * - List pages: the VM list's first page and a filtered page through the router in process, on
 *   each store, the two calls interleaved so both see the same machine.
 * - Claims: 1, 2 and 4 worker processes (claim-worker.ts, each with its own connection or pool)
 *   claiming and completing the queued backups' steps at once for a fixed time, SQLite's round and
 *   PostgreSQL's one after the other at each worker count.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type Db, sqliteOf } from '../../db/client';
import { openPgDatabase, type PgDatabase, redactDatabaseUrl } from '../../db/pg/client';
import { createTestDatabase } from '../../db/pg/test-database';
import { copySqliteToPostgres } from '../../server/db-copy';
import { contextFor } from '../../server/trpc/init';
import { createCaller } from '../../server/trpc/root';
import type { Dialect, FromWorker, ToWorker } from './claim-worker';
import { type BenchEstate, buildEstate, type EstateSize, queueBackups } from './estate';
import { BENCH_PRINCIPAL, type Caller, call, callerFor } from './lists';
import type { Row } from './report';
import { type ClaimRound, claimRoundRows, listPageRows, type StoreName } from './scale-out-rows';
import { measurePair } from './stats';

export interface ScaleOutOptions {
  /** A postgres:// URL of the server (any database on it): the bench creates its own beside it. */
  databaseUrl: string;
  /** How long each round claims. */
  seconds: number;
  /** Samples per list page and store. */
  runs: number;
  workerCounts: readonly number[];
  /** Keep the PostgreSQL database (its URL is logged). */
  keep: boolean;
  log: (line: string) => void;
}

const WORKER_MODULE = fileURLToPath(new URL('./claim-worker.ts', import.meta.url));
const FINISHED = `status not in ('queued', 'waiting', 'running', 'cancelling')`;
const QUEUED = `status in ('queued', 'waiting')`;

interface BenchStore {
  name: StoreName;
  dialect: Dialect;
  /** Where a worker process opens it: the SQLite file or the PostgreSQL URL. */
  target: string;
  caller: Caller;
  countOperations(where: string): Promise<number>;
}

function sqliteStore(estate: BenchEstate): BenchStore {
  const count = (db: Db, where: string) =>
    (sqliteOf(db).prepare(`select count(*) as n from operations where ${where}`).get() as { n: number }).n;
  return {
    name: 'SQLite',
    dialect: 'sqlite',
    target: estate.file,
    caller: callerFor(estate.db),
    countOperations: async (where) => count(estate.db, where),
  };
}

function postgresStore(pg: PgDatabase): BenchStore {
  return {
    name: 'PostgreSQL',
    dialect: 'postgres',
    target: pg.url,
    caller: createCaller(contextFor({ kind: 'postgres', pg }, {}, BENCH_PRINCIPAL)),
    countOperations: async (where) =>
      (await pg.pool.query<{ n: number }>(`select count(*)::int as n from operations where ${where}`)).rows[0]
        .n,
  };
}

export async function measureScaleOut(
  directory: string,
  size: EstateSize,
  options: ScaleOutOptions,
): Promise<Row[]> {
  const { log } = options;
  const estate = buildEstate(directory, 'scale-out', { ...size, restorePoints: 0 }, log);
  await queueBackups(estate, size.queuedOperations, log);
  const sqlite = sqliteStore(estate);

  const database = await createTestDatabase('bench', options.databaseUrl);
  log(`scale-out: PostgreSQL database ${redactDatabaseUrl(database.url)}`);
  let pg: PgDatabase | undefined;
  try {
    pg = await openPgDatabase(database.url, { skipMigrations: true, maxConnections: 4 });
    let started = performance.now();
    const copied = await copySqliteToPostgres(estate.db, pg.db);
    const rows = copied.tables.reduce((sum, table) => sum + table.rows, 0);
    // A database in use has statistics; a fresh copy has none until autovacuum comes by.
    await pg.pool.query('analyze');
    log(`scale-out: ${rows} rows copied to PostgreSQL and analysed in ${seconds(started)}`);
    const postgres = postgresStore(pg);

    const listRows = await measureListPages(sqlite, postgres, options.runs, log);
    const rounds: ClaimRound[] = [];
    started = performance.now();
    const fleet = Array.from({ length: Math.max(...options.workerCounts) }, (_, i) =>
      startWorker(sqlite.target, postgres.target, `bench-scale-out-${i + 1}`),
    );
    try {
      await Promise.all(fleet.map((worker) => worker.ready));
      log(`scale-out: ${fleet.length} worker processes connected in ${seconds(started)}`);
      for (const workers of options.workerCounts) {
        for (const store of [sqlite, postgres]) {
          const round = await claimRound(store, fleet, workers, options.seconds);
          rounds.push(round);
          log(
            `scale-out: ${store.name}, ${workers} worker(s): ${round.stepMs.length} steps, ${round.operations} operations finished`,
          );
        }
      }
    } finally {
      await Promise.all(fleet.map((worker) => worker.stop()));
    }
    return [...listRows, ...claimRoundRows(rounds)];
  } finally {
    await pg?.close();
    if (options.keep) log(`scale-out: kept ${redactDatabaseUrl(database.url)}`);
    else await database.drop();
  }
}

async function measureListPages(
  sqlite: BenchStore,
  postgres: BenchStore,
  runs: number,
  log: ScaleOutOptions['log'],
) {
  const pages = [
    { name: 'vms.list first page', input: { limit: 50 } },
    { name: 'vms.list readiness=blocked', input: { limit: 50, readiness: 'blocked' } },
  ];
  const rows: Row[] = [];
  for (const page of pages) {
    const ids = async (store: BenchStore) =>
      ((await call(store.caller, 'vms.list', page.input)) as { items: { id: string }[] }).items
        .map((item) => item.id)
        .join();
    // The same estate answers the same page; if not, the two figures measure different work.
    const isSame = (await ids(sqlite)) === (await ids(postgres));
    if (!isSame) log(`scale-out: ${page.name} lists different VMs on the two stores`);
    const samples = await measurePair(
      () => call(sqlite.caller, 'vms.list', page.input),
      () => call(postgres.caller, 'vms.list', page.input),
      runs,
    );
    rows.push(
      ...listPageRows(
        page.name,
        { sqlite: samples.scenario, postgres: samples.floor },
        isSame ? undefined : 'the stores listed different VMs',
      ),
    );
  }
  return rows;
}

/** `workers` of the started worker processes claiming on one store at once. */
async function claimRound(
  store: BenchStore,
  fleet: readonly RunningWorker[],
  workers: number,
  roundSeconds: number,
): Promise<ClaimRound> {
  const finishedBefore = await store.countOperations(FINISHED);
  const started = performance.now();
  const reports = await Promise.all(
    fleet.slice(0, workers).map((worker) => worker.round(store.dialect, roundSeconds)),
  );
  const elapsedMs = performance.now() - started;
  return {
    store: store.name,
    workers,
    elapsedMs,
    operations: (await store.countOperations(FINISHED)) - finishedBefore,
    stepMs: reports.flatMap((report) => report.stepMs),
    emptyClaims: reports.reduce((sum, report) => sum + report.emptyClaims, 0),
    busyRetries: reports.reduce((sum, report) => sum + report.busyRetries, 0),
    queuedAfter: await store.countOperations(QUEUED),
  };
}

type Report = Extract<FromWorker, { type: 'done' }>;

interface RunningWorker {
  ready: Promise<void>;
  /** Claims on the store for `seconds`; what it measured. */
  round(dialect: Dialect, seconds: number): Promise<Report>;
  /** Closes its connections and exits. */
  stop(): Promise<void>;
}

/**
 * A forked worker process (the bench's own tsx loader inherited), connected to both stores. A
 * failure or an early exit rejects whatever is awaited of it.
 */
function startWorker(file: string, url: string, workerId: string): RunningWorker {
  const child = fork(WORKER_MODULE, [file, url, workerId], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let failure: Error | null = null;
  let waiting: { resolve: (message: FromWorker) => void; reject: (error: Error) => void } | null = null;
  const answer = () =>
    new Promise<FromWorker>((resolve, reject) => {
      if (failure) reject(failure);
      else waiting = { resolve, reject };
    });
  const fail = (error: Error) => {
    failure ??= error;
    waiting?.reject(failure);
    waiting = null;
  };
  child.on('message', (message: FromWorker) => {
    if (message.type === 'failed') fail(new Error(`scale-out worker ${workerId} failed: ${message.message}`));
    else {
      waiting?.resolve(message);
      waiting = null;
    }
  });
  const exited = new Promise<void>((resolve) => {
    child.on('exit', (code) => {
      fail(new Error(`scale-out worker ${workerId} exited (${code})`));
      resolve();
    });
  });
  child.on('error', fail);
  const ready = answer().then(() => undefined);
  return {
    ready,
    async round(dialect, seconds) {
      const reply = answer();
      child.send({ type: 'go', dialect, seconds } satisfies ToWorker);
      return (await reply) as Report;
    },
    async stop() {
      if (child.exitCode === null && !failure) child.send({ type: 'stop' } satisfies ToWorker);
      else if (child.exitCode === null) child.kill();
      // A worker stopped before it listened (another failed while it was connecting) never hears it.
      const kill = setTimeout(() => child.kill(), 15_000);
      await exited;
      clearTimeout(kill);
    },
  };
}

function seconds(started: number): string {
  return `${((performance.now() - started) / 1000).toFixed(1)} s`;
}
