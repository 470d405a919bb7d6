/**
 * The database of this process, as the configuration chose it: the embedded SQLite file, or
 * PostgreSQL when DATABASE_URL is set (several web nodes and workers on one database). Everything
 * above the stores receives the `Stores` and the driver lookup of it, never a handle.
 */
import { sql } from 'drizzle-orm';
import { type DatabaseConfig, getConfig } from '../server/config';
import { closeDb, type Db, getDb, openDatabase, sqliteOf } from './client';
import { openPgDatabase, type PgDatabase, redactDatabaseUrl } from './pg/client';
import type { Stores } from './stores/ports';
import type { DriverLookupStore } from './stores/ports/driver-lookup';
import { createPgStores } from './stores/postgres';
import { createPgDriverLookup } from './stores/postgres/driver-lookup';
import { createSqliteStores } from './stores/sqlite';
import { createSqliteDriverLookup } from './stores/sqlite/driver-lookup';

export type ProcessDatabase = { kind: 'sqlite'; db: Db } | { kind: 'postgres'; pg: PgDatabase };

/** A bare SQLite handle (tests, the embedded default) or an already chosen database. */
export type DatabaseHandle = Db | ProcessDatabase;

export function asProcessDatabase(database: DatabaseHandle): ProcessDatabase {
  return 'kind' in database && ('db' in database || 'pg' in database)
    ? (database as ProcessDatabase)
    : { kind: 'sqlite', db: database as Db };
}

/**
 * The object that identifies the database for per-database caches (authentication, vault keys):
 * the Drizzle handle, which lives exactly as long as its connection.
 */
export function identityOf(database: ProcessDatabase): object {
  return database.kind === 'sqlite' ? database.db : database.pg.db;
}

const storesByDatabase = new WeakMap<object, Stores>();

/**
 * The stores of a database, built once per connection: they keep nothing but the connection, and
 * building the twelve of them for every request was 5 % of a small query's server time. Frozen,
 * so a caller cannot swap one store for every other caller of the same database.
 */
export function storesOf(database: DatabaseHandle): Stores {
  const opened = asProcessDatabase(database);
  const identity = identityOf(opened);
  let stores = storesByDatabase.get(identity);
  if (!stores) {
    stores = Object.freeze(
      opened.kind === 'sqlite' ? createSqliteStores(opened.db) : createPgStores(opened.pg.db),
    );
    storesByDatabase.set(identity, stores);
  }
  return stores;
}

export function driverLookupOf(database: ProcessDatabase): DriverLookupStore {
  return database.kind === 'sqlite'
    ? createSqliteDriverLookup(database.db)
    : createPgDriverLookup(database.pg.db);
}

/**
 * The SQLite file behind a database, for work that opens its own connection to it (the import
 * thread) and for the key files kept beside it; null for a private in-memory database and for
 * PostgreSQL (where other threads share nothing on disk).
 */
export function databaseFileOf(database: ProcessDatabase): string | null {
  if (database.kind === 'postgres') return null;
  const connection = sqliteOf(database.db);
  return connection.memory ? null : connection.name;
}

/**
 * The database as another thread or process of this machine opens it (the import thread): the
 * SQLite file or the PostgreSQL URL; null for a private in-memory database nothing else can reach.
 */
export function reopenableConfigOf(database: ProcessDatabase): DatabaseConfig | null {
  if (database.kind === 'postgres') return { kind: 'postgres', url: database.pg.url, poolMax: 2 };
  const file = databaseFileOf(database);
  return file === null ? null : { kind: 'sqlite', path: file };
}

/** True for a private in-memory SQLite database (tests): nothing outside this process can reach it. */
export function isPrivateDatabase(database: ProcessDatabase): boolean {
  return database.kind === 'sqlite' && sqliteOf(database.db).memory;
}

/** Opens and migrates the configured database (PostgreSQL: under the migration advisory lock). */
export async function openProcessDatabase(config: DatabaseConfig): Promise<ProcessDatabase> {
  if (config.kind === 'sqlite') return { kind: 'sqlite', db: openDatabase(config.path) };
  return { kind: 'postgres', pg: await openPgDatabase(config.url, { maxConnections: config.poolMax }) };
}

const holder = globalThis as typeof globalThis & { __migawkaProcessDatabase?: Promise<ProcessDatabase> };

/**
 * The web process's database, opened once (cached on globalThis: Next loads instrumentation and
 * route handlers as separate module instances). SQLite is the cached file of db/client.ts.
 */
export function getProcessDatabase(): Promise<ProcessDatabase> {
  if (!holder.__migawkaProcessDatabase) {
    const { database } = getConfig();
    const opening: Promise<ProcessDatabase> =
      database.kind === 'sqlite'
        ? Promise.resolve({ kind: 'sqlite', db: getDb() })
        : openProcessDatabase(database);
    // A failed open (server down at start) is not cached: the next request tries again.
    opening.catch(() => {
      if (holder.__migawkaProcessDatabase === opening) holder.__migawkaProcessDatabase = undefined;
    });
    holder.__migawkaProcessDatabase = opening;
  }
  return holder.__migawkaProcessDatabase;
}

/** Closes and forgets the web process's database (tests, graceful shutdown). */
export async function closeProcessWideDatabase(): Promise<void> {
  const opening = holder.__migawkaProcessDatabase;
  holder.__migawkaProcessDatabase = undefined;
  if (!opening) return;
  const database = await opening.catch(() => null);
  if (database?.kind === 'sqlite') closeDb();
  else if (database) await closeProcessDatabase(database);
}

/** One round trip: the database is open, migrated and answering (health). */
export async function pingDatabase(database: ProcessDatabase): Promise<void> {
  if (database.kind === 'sqlite') database.db.get(sql`select 1`);
  else await database.pg.pool.query('select 1');
}

/** Where the data lives, fit for a log line (a URL's password is never shown). */
export function describeDatabase(config: DatabaseConfig): string {
  return config.kind === 'sqlite' ? config.path : redactDatabaseUrl(config.url);
}

export async function closeProcessDatabase(database: ProcessDatabase): Promise<void> {
  if (database.kind === 'postgres') await database.pg.close();
  else sqliteOf(database.db).close();
}
