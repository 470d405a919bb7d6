/**
 * The migration that added the directory re-check (SQLite 0049, PostgreSQL 0043) carries over the
 * users an installation already has: a user who signed in with the directory before it existed is
 * due for a re-check at once (their session holds no refresh token, so the first request sends them
 * to sign in again), a password user is not a directory user and stays without a due time.
 */
import Database from 'better-sqlite3';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { migrationsUpTo } from './migration-statements';
import { createTestDatabase, postgresForTests } from './pg/test-database';

const USERS: { id: string; provider: string; dueAtMs: number | null }[] = [
  { id: 'directory-user', provider: 'oidc', dueAtMs: 0 },
  { id: 'password-user', provider: 'credential', dueAtMs: null },
];

/** The statements writing one user and their account, in the dialect's placeholders and times. */
function rowsOf(
  row: (typeof USERS)[number],
  param: (i: number) => string,
  at: unknown,
): [string, unknown[]][] {
  const values = (count: number) => Array.from({ length: count }, (_, i) => param(i + 1)).join(', ');
  return [
    [
      `insert into "user" (id, name, email, created_at, updated_at) values (${values(5)})`,
      [row.id, row.id, `${row.id}@example.test`, at, at],
    ],
    [
      `insert into account (id, account_id, provider_id, user_id, created_at, updated_at) values (${values(6)})`,
      [row.id, row.id, row.provider, row.id, at, at],
    ],
  ];
}

const READ_BACK = 'select id, directory_check_due_at, directory_unknown_since from "user" order by id';
const EXPECTED = [...USERS]
  .sort((a, b) => a.id.localeCompare(b.id))
  .map(({ id, dueAtMs }) => ({ id, dueAtMs, unknownSince: null }));

describe('the directory re-check migration', () => {
  it('SQLite: directory users are due at once, password users are not directory users', () => {
    const db = new Database(':memory:');
    db.pragma('foreign_keys = ON');
    const migrations = migrationsUpTo('migrations', '0049_directory_recheck.sql');
    for (const statements of migrations.slice(0, -1)) for (const statement of statements) db.exec(statement);
    for (const row of USERS) {
      for (const [statement, params] of rowsOf(row, () => '?', Date.now()))
        db.prepare(statement).run(...params);
    }
    for (const statement of migrations.at(-1) ?? []) db.exec(statement);
    const rows = db.prepare(READ_BACK).all() as {
      id: string;
      directory_check_due_at: number | null;
      directory_unknown_since: number | null;
    }[];
    expect(
      rows.map((row) => ({
        id: row.id,
        dueAtMs: row.directory_check_due_at,
        unknownSince: row.directory_unknown_since,
      })),
    ).toEqual(EXPECTED);
    db.close();
  });

  it('PostgreSQL: directory users are due at once, password users are not directory users', async (context) => {
    if (!(await postgresForTests()).available) return context.skip();
    const database = await createTestDatabase('directory_recheck', undefined, false);
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const migrations = migrationsUpTo('migrations-pg', '0043_directory_recheck.sql');
      for (const statements of migrations.slice(0, -1))
        for (const statement of statements) await client.query(statement);
      for (const row of USERS) {
        for (const [statement, params] of rowsOf(row, (i) => `$${i}`, new Date())) {
          await client.query(statement, params);
        }
      }
      for (const statement of migrations.at(-1) ?? []) await client.query(statement);
      const { rows } = await client.query<{
        id: string;
        directory_check_due_at: Date | null;
        directory_unknown_since: Date | null;
      }>(READ_BACK);
      expect(
        rows.map((row) => ({
          id: row.id,
          dueAtMs: row.directory_check_due_at?.getTime() ?? null,
          unknownSince: row.directory_unknown_since,
        })),
      ).toEqual(EXPECTED);
    } finally {
      await client.end();
      await database.drop();
    }
  });
});
