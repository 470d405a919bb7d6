/**
 * Throwaway PostgreSQL databases for tests. Each is created on the configured server
 * (MIGAWKA_TEST_POSTGRES_URL, default the local trust-auth server), migrated once, and dropped at
 * the end. Names come from the process id and a counter — never from chance — so parallel test
 * processes never collide and a rerun first drops what a crashed run left under the same name.
 *
 * Collation C: text sorts by bytes and lower() folds ASCII only, as in SQLite, so both stores
 * list the same rows in the same order.
 */
import pg from 'pg';
import { getConfig } from '../../server/config';
import { createPgPool, migratePg, openPgDatabase, type PgDatabase } from './client';

let counter = 0;

/** The test run's choice: run the PostgreSQL halves, or skip them (unreachable server, 'auto'). */
export type PostgresAvailability = { available: true } | { available: false; reason: string };

let probed: Promise<PostgresAvailability> | undefined;

/**
 * Whether PostgreSQL tests run in this process. 'required' (CI) never skips: an unreachable
 * server then fails the tests that need it, loudly.
 */
export function postgresForTests(): Promise<PostgresAvailability> {
  probed ??= (async () => {
    const { testPostgres, testPostgresUrl } = getConfig();
    if (testPostgres === 'off') return { available: false, reason: 'MIGAWKA_TEST_POSTGRES=0' };
    if (testPostgres === 'required') return { available: true };
    const client = new pg.Client({ connectionString: testPostgresUrl, connectionTimeoutMillis: 2000 });
    try {
      await client.connect();
      await client.query('select 1');
      return { available: true };
    } catch (error) {
      const reason = `PostgreSQL at ${redact(testPostgresUrl)} did not answer (${(error as Error).message})`;
      console.warn(`skipping the PostgreSQL tests: ${reason}; set MIGAWKA_TEST_POSTGRES=1 to require them`);
      return { available: false, reason };
    } finally {
      await client.end().catch(() => undefined);
    }
  })();
  return probed;
}

function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@/]*@/, '//$1:***@');
}

function adminUrl(): string {
  return getConfig().testPostgresUrl;
}

function urlOf(database: string, serverUrl: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

async function admin<T>(serverUrl: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export interface TestDatabase {
  name: string;
  url: string;
  /** Drops the database (terminating any connection left open). */
  drop(): Promise<void>;
}

/**
 * A new, empty, migrated database named `migawka_test_<label>_<pid>_<n>`, on the test server or,
 * for the bench, on the server of `serverUrl` (any database of it: the new one is created beside).
 */
export async function createTestDatabase(label = 't', serverUrl = adminUrl()): Promise<TestDatabase> {
  counter += 1;
  const name = `migawka_test_${label.replace(/[^a-z0-9]/gi, '').toLowerCase()}_${process.pid}_${counter}`;
  await admin(serverUrl, async (client) => {
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await client.query(
      `CREATE DATABASE "${name}" TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'`,
    );
  });
  const url = urlOf(name, serverUrl);
  const pool = createPgPool(url, 1);
  try {
    await migratePg(pool);
  } finally {
    await pool.end();
  }
  return {
    name,
    url,
    drop: () =>
      admin(serverUrl, async (client) => {
        await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      }),
  };
}

/** Every table of the schema, emptied, identities restarted: a fresh store without a new database. */
export async function truncateAll(database: PgDatabase): Promise<void> {
  const { rows } = await database.pool.query<{ tablename: string }>(
    `select tablename from pg_tables where schemaname = 'public'`,
  );
  if (rows.length === 0) return;
  await database.pool.query(
    `TRUNCATE ${rows.map((row) => `"${row.tablename}"`).join(', ')} RESTART IDENTITY CASCADE`,
  );
}

/**
 * One database for a whole test file, emptied before each use: `open()` gives a pool on a fresh,
 * empty database state; `dispose()` (afterAll) closes pools and drops the database.
 */
export function sharedTestDatabase(label: string) {
  let database: Promise<TestDatabase> | undefined;
  const opened: PgDatabase[] = [];
  return {
    async open(options: { maxConnections?: number; keepRows?: boolean } = {}): Promise<PgDatabase> {
      database ??= createTestDatabase(label);
      const { url } = await database;
      const handle = await openPgDatabase(url, {
        skipMigrations: true,
        maxConnections: options.maxConnections ?? 5,
      });
      if (!options.keepRows) await truncateAll(handle);
      let closed = false;
      const wrapped: PgDatabase = {
        ...handle,
        close: async () => {
          if (closed) return;
          closed = true;
          await handle.close();
        },
      };
      opened.push(wrapped);
      return wrapped;
    },
    async url(): Promise<string> {
      database ??= createTestDatabase(label);
      return (await database).url;
    },
    async dispose(): Promise<void> {
      await Promise.all(opened.splice(0).map((handle) => handle.close().catch(() => undefined)));
      if (database) await (await database).drop();
      database = undefined;
    },
  };
}
