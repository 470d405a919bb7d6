/**
 * Rows for tests that set up or check what the ports do not expose, on either database: the same
 * table names and row shapes in both schemas (db/pg/schema-equality.ts), written and read through
 * the dialect's own Drizzle handle. Tests only.
 */
import { eq } from 'drizzle-orm';
import { expect } from 'vitest';
import * as pgSchema from '../db/pg/schema';
import type { ProcessDatabase } from '../db/process-database';
import * as sqliteSchema from '../db/schema';
import { ensureDemoLab, ensureDemoLabIn } from '../db/seed/ensure-demo-lab';
import type { DialectHandle, StoreDialect } from '../db/stores/contract/dialects';
import type { Principal } from './trpc/init';

type Schema = typeof sqliteSchema;
/** The tables with an `id` column (the ones a test updates by id). */
type TableName = {
  [Name in keyof Schema]: Schema[Name] extends { $inferInsert: object } ? Name : never;
}[keyof Schema];
type Insert<Name extends TableName> = Schema[Name] extends { $inferInsert: infer Row } ? Row : never;
type Select<Name extends TableName> = Schema[Name] extends { $inferSelect: infer Row } ? Row : never;

export interface TestRows {
  insert<Name extends TableName>(table: Name, rows: Insert<Name> | Insert<Name>[]): Promise<void>;
  all<Name extends TableName>(table: Name): Promise<Select<Name>[]>;
  /** Sets columns of the row with this id. */
  update<Name extends TableName>(table: Name, id: string, set: Partial<Insert<Name>>): Promise<void>;
}

// The two schemas' tables have the same row types, so one cast per call site is all either needs.
// biome-ignore lint/suspicious/noExplicitAny: the dialect's table, chosen by name at run time
type AnyTable = any;

export function rowsOf(database: ProcessDatabase): TestRows {
  const tableOf = (name: TableName): AnyTable =>
    // biome-ignore lint/performance/noDynamicNamespaceImportAccess: tests name the table; no bundle here
    database.kind === 'sqlite' ? sqliteSchema[name] : pgSchema[name as keyof typeof pgSchema];
  return {
    async insert(name, rows) {
      const values = Array.isArray(rows) ? rows : [rows];
      if (database.kind === 'sqlite') database.db.insert(tableOf(name)).values(values).run();
      else await database.pg.db.insert(tableOf(name)).values(values);
    },
    async all(name) {
      if (database.kind === 'sqlite') return database.db.select().from(tableOf(name)).all() as never;
      return (await database.pg.db.select().from(tableOf(name))) as never;
    },
    async update(name, id, set) {
      const table = tableOf(name);
      if (database.kind === 'sqlite') database.db.update(table).set(set).where(eq(table.id, id)).run();
      else await database.pg.db.update(table).set(set).where(eq(table.id, id));
    },
  };
}

/** Accounts for `principals` (their ids, names, emails and roles), created at `at`. */
export async function insertAccounts(rows: TestRows, at: Date, ...principals: Principal[]): Promise<void> {
  for (const { user, role } of principals) {
    await rows.insert('user', { ...user, role, emailVerified: false, createdAt: at, updatedAt: at });
  }
}

/** A fresh demo lab on the dialect (SQLite in memory, or the test file's PostgreSQL database). */
export async function openDemoLabOn(
  dialect: StoreDialect,
): Promise<{ database: ProcessDatabase; close(): Promise<void> }> {
  const handle = await dialect.open();
  if (handle.dialect === 'sqlite') {
    expect(ensureDemoLab(handle.db, { seedDemo: true })).toBe(true);
    return { database: { kind: 'sqlite', db: handle.db }, close: handle.close };
  }
  expect(await ensureDemoLabIn(handle.stores, { seedDemo: true })).toBe(true);
  return { database: { kind: 'postgres', pg: handle.pg }, close: handle.close };
}

/** A fresh, empty, migrated database on the dialect, as the server holds it. */
export async function openEmptyOn(
  dialect: StoreDialect,
): Promise<{ database: ProcessDatabase; close(): Promise<void> }> {
  const handle = await dialect.open();
  return { database: processDatabaseOf(handle), close: handle.close };
}

/** An opened dialect's database as the server holds it (for what takes the process's database). */
export function processDatabaseOf(handle: DialectHandle): ProcessDatabase {
  return handle.dialect === 'sqlite'
    ? { kind: 'sqlite', db: handle.db }
    : { kind: 'postgres', pg: handle.pg };
}
