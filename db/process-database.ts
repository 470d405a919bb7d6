/**
 * The database of this process, as the configuration chose it: the embedded SQLite file, or
 * PostgreSQL when DATABASE_URL is set (several web nodes and workers on one database). Everything
 * above the stores receives the `Stores` and the driver lookup of it, never a handle.
 */
import type { DatabaseConfig } from '../server/config';
import { type Db, openDatabase, sqliteOf } from './client';
import { openPgDatabase, type PgDatabase, redactDatabaseUrl } from './pg/client';
import type { Stores } from './stores/ports';
import type { DriverLookupStore } from './stores/ports/driver-lookup';
import { createPgStores } from './stores/postgres';
import { createPgDriverLookup } from './stores/postgres/driver-lookup';
import { createSqliteStores } from './stores/sqlite';
import { createSqliteDriverLookup } from './stores/sqlite/driver-lookup';

export type ProcessDatabase = { kind: 'sqlite'; db: Db } | { kind: 'postgres'; pg: PgDatabase };

export function storesOf(database: ProcessDatabase): Stores {
  return database.kind === 'sqlite' ? createSqliteStores(database.db) : createPgStores(database.pg.db);
}

export function driverLookupOf(database: ProcessDatabase): DriverLookupStore {
  return database.kind === 'sqlite'
    ? createSqliteDriverLookup(database.db)
    : createPgDriverLookup(database.pg.db);
}

/** Opens and migrates the configured database (PostgreSQL: under the migration advisory lock). */
export async function openProcessDatabase(config: DatabaseConfig): Promise<ProcessDatabase> {
  if (config.kind === 'sqlite') return { kind: 'sqlite', db: openDatabase(config.path) };
  return { kind: 'postgres', pg: await openPgDatabase(config.url, { maxConnections: config.poolMax }) };
}

/** Where the data lives, fit for a log line (a URL's password is never shown). */
export function describeDatabase(config: DatabaseConfig): string {
  return config.kind === 'sqlite' ? config.path : redactDatabaseUrl(config.url);
}

export async function closeProcessDatabase(database: ProcessDatabase): Promise<void> {
  if (database.kind === 'postgres') await database.pg.close();
  else sqliteOf(database.db).close();
}
