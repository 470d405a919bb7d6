/**
 * Opens the SQLite database, migrates it, and caches one connection per process.
 *
 * better-sqlite3 is synchronous: migrations run before the first query, and every service
 * transaction is a plain synchronous callback (never `await` inside one).
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { type BetterSQLite3Database, drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { getConfig } from '../server/config';
import { writeSqliteNameKeys } from './name-keys-step';
import { keepStatements } from './statement-cache';

/**
 * Without the schema: the stores write their queries with the query builder and never use Drizzle's
 * relational queries (`db.query`), for which Drizzle builds a helper per table for the database and
 * again for every transaction: an empty transaction took 24 µs with them, 10 without, and a claimed
 * and completed step is two transactions (issue 13).
 */
export type Db = BetterSQLite3Database;
/** The handle a `db.transaction` callback receives. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
export type SqliteConnection = Database.Database;

/**
 * The committed drizzle-kit output. Next bundles this file, so `import.meta.url` may point into
 * `.next/`; the working directory (the repo root for `npm start`, tests and the CLI) is tried first.
 */
export function resolveMigrationsFolder(explicit: string | null = getConfig().migrationsDir): string {
  const candidates = [
    explicit,
    path.resolve(process.cwd(), 'db/migrations'),
    // Not `new URL('./migrations', import.meta.url)`: Turbopack resolves that as an asset and fails on a folder.
    siblingOfThisModule('migrations'),
  ].filter((candidate): candidate is string => Boolean(candidate));
  const found = candidates.find((candidate) => existsSync(path.join(candidate, 'meta/_journal.json')));
  if (!found) {
    throw new Error(`Cannot find the database migrations; looked in: ${candidates.join(', ')}`);
  }
  return found;
}

function siblingOfThisModule(name: string): string | null {
  const here = new URL(import.meta.url);
  return here.protocol === 'file:' ? path.join(path.dirname(fileURLToPath(here)), name) : null;
}

/** Opens (creating if needed) and migrates a database file, or a private in-memory one. */
export function openDatabase(file: string): Db {
  if (file !== ':memory:') mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const connection = new Database(file);
  if (file !== ':memory:') connection.pragma('journal_mode = WAL');
  connection.pragma('foreign_keys = ON');
  connection.pragma('busy_timeout = 5000');
  // WAL makes NORMAL durable across application crashes; only a power cut can lose the last commit.
  connection.pragma('synchronous = NORMAL');
  keepStatements(connection);
  const db = drizzle(connection);
  migrateDatabase(db, resolveMigrationsFolder());
  // Before anything reads or writes a named row: the keys the migrations could not compute in SQL.
  writeSqliteNameKeys(db, connection);
  return db;
}

/**
 * Applies the migrations not yet applied, with foreign keys off while they run: SQLite's procedure
 * for changing a table it cannot ALTER (drizzle-kit writes a copy of the table, drops the old one and
 * renames the copy). drizzle runs every migration inside one transaction, where a migration's own
 * `PRAGMA foreign_keys=OFF` does nothing; with the keys on, dropping the old table deletes its rows
 * first, and that nulls the references other tables hold to them (a VM's checkpoint volume, a guest
 * volume's disk) or fails on one that may not dangle. Whatever the copy broke is checked before the
 * database is used.
 */
export function migrateDatabase(db: Db, migrationsFolder: string): void {
  const connection = sqliteOf(db);
  connection.pragma('foreign_keys = OFF');
  try {
    migrate(db, { migrationsFolder });
    const broken = connection.pragma('foreign_key_check') as { table: string; parent: string }[];
    if (broken.length > 0) {
      const pairs = [...new Set(broken.map((row) => `${row.table} → ${row.parent}`))];
      throw new Error(
        `The database's migration left ${broken.length} row(s) referring to rows that do not exist (${pairs.join(', ')}); restore the file from its backup and report this.`,
      );
    }
  } finally {
    connection.pragma('foreign_keys = ON');
  }
}

/** Raw better-sqlite3 connection, for bulk inserts with prepared statements. */
export function sqliteOf(db: Db): SqliteConnection {
  // drizzle() always attaches the connection; the declared Db type just does not mention it.
  return (db as Db & { $client: SqliteConnection }).$client;
}

const globalForDb = globalThis as typeof globalThis & { __migawkaDb?: Db };

/**
 * The process-wide database (cached on globalThis so Next's dev reloads reuse the connection).
 * Path: the configuration's `dbPath` (MIGAWKA_DB_PATH, or `${MIGAWKA_DATA_DIR ?? './data'}/migawka.db`).
 */
export function getDb(): Db {
  if (!globalForDb.__migawkaDb) globalForDb.__migawkaDb = openDatabase(getConfig().dbPath);
  return globalForDb.__migawkaDb;
}

/** Closes and forgets the cached database (tests, graceful shutdown). */
export function closeDb(): void {
  if (globalForDb.__migawkaDb) sqliteOf(globalForDb.__migawkaDb).close();
  globalForDb.__migawkaDb = undefined;
}
