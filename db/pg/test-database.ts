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
 * With `migrate` false it is left without a table: a migration's test applies the migrations itself.
 */
export async function createTestDatabase(
  label = 't',
  serverUrl = adminUrl(),
  migrate = true,
): Promise<TestDatabase> {
  counter += 1;
  const name = `migawka_test_${label.replace(/[^a-z0-9]/gi, '').toLowerCase()}_${process.pid}_${counter}`;
  await admin(serverUrl, async (client) => {
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await client.query(
      `CREATE DATABASE "${name}" TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'`,
    );
  });
  const url = urlOf(name, serverUrl);
  if (migrate) {
    const pool = createPgPool(url, 1);
    try {
      await migratePg(pool);
    } finally {
      await pool.end();
    }
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

/**
 * Every table of the schema emptied and its identities restarted: a fresh store without a new
 * database. DELETE, children before parents, rather than TRUNCATE: TRUNCATE gives every table and
 * index a new file, ~0.3 s for the schema on every test's open, while deleting a test's few rows
 * takes milliseconds. The schema's own triggers are off while it deletes, as TRUNCATE fires none:
 * the audit trail refuses deletes, and read models would be recomputed row by row. A schema whose
 * foreign keys form a cycle falls back to TRUNCATE.
 */
export async function truncateAll(database: PgDatabase): Promise<void> {
  const rows = await tablesWithParents(database);
  if (rows.length === 0) return;
  const order = childrenFirst(rows);
  const quoted = (name: string) => `"${name.replaceAll('"', '""')}"`;
  const triggered = rows.filter((row) => row.hasTriggers).map((row) => quoted(row.name));
  const emptying = order
    ? [
        ...triggered.map((table) => `ALTER TABLE ${table} DISABLE TRIGGER USER;`),
        ...order.map((name) => `DELETE FROM ${quoted(name)};`),
        ...triggered.map((table) => `ALTER TABLE ${table} ENABLE TRIGGER USER;`),
      ].join('\n')
    : `TRUNCATE ${rows.map((row) => quoted(row.name)).join(', ')} RESTART IDENTITY CASCADE;`;
  // setval(…, start, false): the next value is the start again, as RESTART IDENTITY does.
  await database.pool.query(
    `BEGIN;
     ${emptying}
     select setval(c.oid, s.seqstart, false)
       from pg_sequence s
       join pg_class c on c.oid = s.seqrelid
       join pg_namespace n on n.oid = c.relnamespace and n.nspname = 'public';
     COMMIT;`,
  );
}

/** The schema's tables, each with the other tables its foreign keys reference, and whether it has triggers of its own. */
export async function tablesWithParents(
  database: PgDatabase,
): Promise<{ name: string; parents: string[]; hasTriggers: boolean }[]> {
  const { rows } = await database.pool.query<{ name: string; parents: string[]; hasTriggers: boolean }>(
    `select c.relname as name,
            coalesce(array_agg(distinct p.relname) filter (where p.relname <> c.relname), '{}') as parents,
            exists (select 1 from pg_trigger t where t.tgrelid = c.oid and not t.tgisinternal) as "hasTriggers"
       from pg_class c
       join pg_namespace n on n.oid = c.relnamespace and n.nspname = 'public'
       left join pg_constraint k on k.conrelid = c.oid and k.contype = 'f'
       left join pg_class p on p.oid = k.confrelid
      where c.relkind in ('r', 'p')
      group by c.oid, c.relname`,
  );
  return rows;
}

/** Tables ordered so that each comes before every table it references; null on a cycle. */
export function childrenFirst(tables: { name: string; parents: string[] }[]): string[] | null {
  const children = new Map(tables.map((table) => [table.name, 0]));
  for (const table of tables) {
    for (const parent of table.parents) children.set(parent, (children.get(parent) ?? 0) + 1);
  }
  const order: string[] = [];
  const ready = tables.filter((table) => children.get(table.name) === 0);
  const byName = new Map(tables.map((table) => [table.name, table]));
  while (ready.length > 0) {
    const table = ready.pop() as { name: string; parents: string[] };
    order.push(table.name);
    for (const parent of table.parents) {
      const left = (children.get(parent) ?? 0) - 1;
      children.set(parent, left);
      const parentTable = byName.get(parent);
      if (left === 0 && parentTable) ready.push(parentTable);
    }
  }
  return order.length === tables.length ? order : null;
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
