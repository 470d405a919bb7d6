/**
 * The migration that moved operations' plan and request into `operation_payloads` (SQLite 0034,
 * PostgreSQL 0028) carries over the operations an installation already has: the migrations before it
 * are applied, an operation is written the old way, then the migration runs.
 */
import Database from 'better-sqlite3';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { migrationsUpTo } from './migration-statements';
import { createTestDatabase, postgresForTests } from './pg/test-database';

const PLAN = '{"kind":"backup","steps":[{"key":"vm:a:copy"}],"hostIds":["hv1"]}';
const REQUEST = '{"scope":{"kind":"vms","vmIds":["a"]}}';

describe('the operation_payloads migration', () => {
  it('SQLite: moves each operation plan and request to operation_payloads, unchanged', () => {
    const db = new Database(':memory:');
    db.pragma('foreign_keys = ON');
    const migrations = migrationsUpTo('migrations', '0034_operation_payloads.sql');
    for (const statements of migrations.slice(0, -1)) for (const statement of statements) db.exec(statement);
    db.prepare(
      `insert into operations (id, kind, status, title, plan_json, request_json, created_at)
       values ('op-1', 'backup', 'succeeded', 'Backup a', ?, ?, 1)`,
    ).run(PLAN, REQUEST);
    for (const statement of migrations.at(-1) ?? []) db.exec(statement);
    expect(db.prepare('select * from operation_payloads').all()).toEqual([
      { operation_id: 'op-1', plan_json: PLAN, request_json: REQUEST },
    ]);
    const columns = db.prepare(`select name from pragma_table_info('operations')`).all() as {
      name: string;
    }[];
    expect(columns.map((column) => column.name)).not.toContain('plan_json');
    db.prepare('delete from operations').run();
    expect(db.prepare('select count(*) as n from operation_payloads').get()).toEqual({ n: 0 });
    db.close();
  });

  it('PostgreSQL: moves each operation plan and request to operation_payloads, unchanged', async (context) => {
    if (!(await postgresForTests()).available) return context.skip();
    const database = await createTestDatabase('payloads', undefined, false);
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const migrations = migrationsUpTo('migrations-pg', '0028_operation_payloads.sql');
      for (const statements of migrations.slice(0, -1))
        for (const statement of statements) await client.query(statement);
      await client.query(
        `insert into operations (id, kind, status, title, plan_json, request_json, created_at)
         values ('op-1', 'backup', 'succeeded', 'Backup a', $1, $2, now())`,
        [PLAN, REQUEST],
      );
      for (const statement of migrations.at(-1) ?? []) await client.query(statement);
      const { rows } = await client.query('select * from operation_payloads');
      expect(rows).toEqual([
        { operation_id: 'op-1', plan_json: JSON.parse(PLAN), request_json: JSON.parse(REQUEST) },
      ]);
      await client.query('delete from operations');
      expect((await client.query('select count(*)::int as n from operation_payloads')).rows).toEqual([
        { n: 0 },
      ]);
    } finally {
      await client.end();
      await database.drop();
    }
  });
});
