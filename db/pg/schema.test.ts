import { getTableColumns, getTableName, is, Table } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import * as sqliteSchema from '../schema';
import { openPgDatabase } from './client';
import * as pgSchema from './schema';
import { createTestDatabase, postgresForTests, type TestDatabase } from './test-database';

const postgres = await postgresForTests();

function tablesOf(schema: Record<string, unknown>): Table[] {
  return Object.values(schema).filter((value): value is Table => is(value, Table));
}

describe('the PostgreSQL schema module', () => {
  it('declares the same tables and columns (by SQL name) as the SQLite one', () => {
    const shape = (schema: Record<string, unknown>) =>
      Object.fromEntries(
        tablesOf(schema).map((table) => [
          getTableName(table),
          Object.values(getTableColumns(table))
            .map((column) => `${column.name}${column.notNull ? ' not null' : ''}`)
            .sort(),
        ]),
      );
    expect(shape(pgSchema)).toEqual(shape(sqliteSchema));
  });
});

describe.skipIf(!postgres.available)('db/migrations-pg', () => {
  let database: TestDatabase | undefined;
  afterAll(async () => database?.drop());

  it('creates exactly the schema module’s tables and columns, plus the hidden storage order', async () => {
    database = await createTestDatabase('schema');
    const handle = await openPgDatabase(database.url);
    try {
      // Opening again finds nothing to apply (several nodes start against one database).
      await (await openPgDatabase(database.url)).close();
      const { rows } = await handle.pool.query<{ table_name: string; column_name: string }>(
        `select table_name, column_name from information_schema.columns where table_schema = 'public'`,
      );
      const stored = new Map<string, string[]>();
      for (const row of rows)
        stored.set(row.table_name, [...(stored.get(row.table_name) ?? []), row.column_name]);
      const expected = new Map(
        tablesOf(pgSchema).map((table) => [
          getTableName(table),
          Object.values(getTableColumns(table)).map((column) => column.name),
        ]),
      );
      expect([...stored.keys()].sort()).toEqual([...expected.keys()].sort());
      for (const [table, columns] of expected) {
        const extra = (stored.get(table) ?? []).filter((column) => !columns.includes(column));
        expect(
          extra.every((column) => column === 'storage_seq'),
          `${table}: ${extra.join(', ')}`,
        ).toBe(true);
        expect(stored.get(table)).toEqual(expect.arrayContaining(columns));
      }
    } finally {
      await handle.close();
    }
  });
});
