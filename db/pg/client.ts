/**
 * Opens a PostgreSQL database (DATABASE_URL): a node-postgres pool, Drizzle's pg dialect over it,
 * and the committed migrations of db/migrations-pg applied before the first query.
 *
 * Several web nodes and workers may start at once against one database: migrations run under a
 * session advisory lock, so exactly one process applies them and the others wait, then find
 * nothing left to do.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import { writePgNameKeys } from './name-keys-step';
import * as schema from './schema';

export type PgDb = NodePgDatabase<typeof schema>;
type PgTransactionOf = Parameters<Parameters<PgDb['transaction']>[0]>[0];

/** A pool and its Drizzle database; `close()` ends every connection. */
export interface PgDatabase {
  db: PgDb;
  pool: pg.Pool;
  /** Where it is, for work that opens its own pool (the import thread). */
  url: string;
  close(): Promise<void>;
}

export interface PgOpenOptions {
  /** Connections of this process (default 10). */
  maxConnections?: number;
  /** Explicit migrations folder; default db/migrations-pg beside the code or under the cwd. */
  migrationsDir?: string | null;
  /** Skip migrations (the database is known to be migrated: a test reusing one). */
  skipMigrations?: boolean;
}

/** The advisory lock key migrations run under ("miga" in ASCII). */
const MIGRATION_LOCK = 0x6d69_6761;

/**
 * int8 (bigint, count(*)) arrives as a string by default; every bigint of this schema is a byte
 * count, an id or a count well below 2^53, so the pool reads them as numbers. Set per pool, not
 * on the global pg.types, so nothing else in the process changes.
 */
const pgTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === pg.types.builtins.INT8 && format !== 'binary') return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format);
  },
} as pg.CustomTypesConfig;

export function resolvePgMigrationsFolder(explicit: string | null = null): string {
  const candidates = [
    explicit,
    path.resolve(process.cwd(), 'db/migrations-pg'),
    siblingOfThisModule('../migrations-pg'),
  ].filter((candidate): candidate is string => Boolean(candidate));
  const found = candidates.find((candidate) => existsSync(path.join(candidate, 'meta/_journal.json')));
  if (!found) {
    throw new Error(`Cannot find the PostgreSQL migrations; looked in: ${candidates.join(', ')}`);
  }
  return found;
}

function siblingOfThisModule(name: string): string | null {
  const here = new URL(import.meta.url);
  return here.protocol === 'file:' ? path.join(path.dirname(fileURLToPath(here)), name) : null;
}

/** A pool over `url` with this project's type parsing (no migrations, no check). */
export function createPgPool(url: string, maxConnections = 10): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max: maxConnections, types: pgTypes });
  // An idle client losing its connection (database restart) must not crash the process: the
  // pool drops it and the next query opens a new one.
  pool.on('error', () => undefined);
  // A client checked out (inside a transaction, between two of its queries) that loses its
  // connection emits 'error' with no pool listener attached: unheard, it would crash the worker.
  // The loss still reaches the caller, through the query in flight or the next one ("not
  // queryable"), and the pool discards the client when it is released.
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
  });
  return pool;
}

const onClient = new WeakMap<pg.PoolClient, PgDb>();

/**
 * Runs `work` in a transaction on a connection checked out of `db`'s pool here and released
 * whatever happens. Drizzle's own pool transaction sends BEGIN before its
 * try/finally: a connection lost at that moment was never given back, and a worker that lost its
 * connection a few times would wait for the pool forever.
 */
export async function transactionOnOwnClient<T>(
  db: PgDb,
  work: (tx: PgTransactionOf) => Promise<T>,
): Promise<T> {
  const pool = (db as PgDb & { $client: unknown }).$client;
  if (!(pool instanceof pg.Pool)) return db.transaction(work);
  const client = await pool.connect();
  try {
    let handle = onClient.get(client);
    if (!handle) {
      handle = drizzle(client, { schema }) as unknown as PgDb;
      onClient.set(client, handle);
    }
    return await handle.transaction(work);
  } finally {
    // The pool closes a client whose connection broke instead of lending it again (pg-pool
    // checks it on release); a live one was rolled back by the transaction and is clean.
    client.release();
  }
}

/** Applies the pending migrations, then the name-key step, under the advisory lock (one process at a time). */
export async function migratePg(pool: pg.Pool, migrationsDir: string | null = null): Promise<void> {
  const migrationsFolder = resolvePgMigrationsFolder(migrationsDir);
  const client = await pool.connect();
  try {
    await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      const db = drizzle(client, { schema });
      await migrate(db, { migrationsFolder });
      // Before anything reads or writes a named row: the keys the migrations could not compute in SQL.
      await writePgNameKeys(db, client);
    } finally {
      await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  } finally {
    client.release();
  }
}

/** Opens (and migrates) the database at `url`. */
export async function openPgDatabase(url: string, options: PgOpenOptions = {}): Promise<PgDatabase> {
  const pool = createPgPool(url, options.maxConnections ?? 10);
  try {
    if (!options.skipMigrations) await migratePg(pool, options.migrationsDir ?? null);
  } catch (error) {
    await pool.end();
    throw error;
  }
  const db = drizzle(pool, { schema });
  return { db, pool, url, close: () => pool.end() };
}

/** "postgres://user:***@host/db": a URL fit for logs and error messages. */
export function redactDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'postgres://(unparseable URL)';
  }
}
