/**
 * The name-keys migration (SQLite 0051, PostgreSQL 0045) and the name-key step after it carry over
 * the names an installation already has, in all five tables of operator-chosen names: names that
 * differ only in case (possible before: the unique indexes compared the exact name), in ASCII or not
 * ("Łódź" and "łódź", which SQLite's lower() would not tell), or in how an accent is encoded, do not
 * make the upgrade fail and are not lost: the oldest keeps its name, each later one is renamed
 * "… (n)" (a number no other name has in any case), keeps its id, and the rename is in the audit
 * trail, whose chain still verifies. Every row ends with the key the code computes, and the step
 * run again changes nothing.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { drizzle as sqliteDrizzle } from 'drizzle-orm/better-sqlite3';
import { drizzle as pgDrizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { CHAIN_START, type ChainedAuditEntry, verifyChainSegment } from '../server/engine/audit-chain';
import { nameKeyOf } from '../server/engine/name-keys';
import { migrateDatabase, openDatabase, sqliteOf } from './client';
import { migrationsUpTo } from './migration-statements';
import { NAMED_TABLE_NAMES, writeSqliteNameKeys } from './name-keys-step';
import { writePgNameKeys } from './pg/name-keys-step';
import * as pgSchema from './pg/schema';
import { createTestDatabase, postgresForTests } from './pg/test-database';
import type { NamedTable } from './stores/name-key-conflict';
import { createPgStores } from './stores/postgres';
import { createSqliteStores } from './stores/sqlite';

const T0 = Date.parse('2026-06-01T00:00:00Z');
const minutes = (n: number) => T0 + n * 60_000;

/** The rows before the upgrade (written in this order), and the name each has after it. */
const ROWS: { id: string; name: string; createdAt: number; after: string }[] = [
  { id: 'r1', name: 'Pool-A', createdAt: minutes(0), after: 'Pool-A' },
  // Newer than "Łódź" but written first: the order is by creation, not by row.
  { id: 'r4', name: 'łódź', createdAt: minutes(3), after: 'łódź (2)' },
  { id: 'r3', name: 'Łódź', createdAt: minutes(2), after: 'Łódź' },
  // "(2)" is taken, in another case, by r5: r2 gets the next number.
  { id: 'r2', name: 'pool-a', createdAt: minutes(1), after: 'pool-a (3)' },
  { id: 'r5', name: 'POOL-A (2)', createdAt: minutes(4), after: 'POOL-A (2)' },
  { id: 'r6', name: 'Café', createdAt: minutes(5), after: 'Café' },
  { id: 'r7', name: 'CAFE\u0301', createdAt: minutes(6), after: 'CAFE\u0301 (2)' },
  { id: 'r8', name: 'dup', createdAt: minutes(7), after: 'dup' },
  // Saved in the same millisecond: the id decides.
  { id: 'r9', name: 'DUP', createdAt: minutes(7), after: 'DUP (2)' },
  { id: 'r10', name: 'Straße', createdAt: minutes(8), after: 'Straße' },
  { id: 'r11', name: 'STRASSE', createdAt: minutes(9), after: 'STRASSE' },
];
const RENAMED = ROWS.filter((row) => row.after !== row.name);
const KEPT_BY: Record<string, string> = { r4: 'Łódź', r2: 'Pool-A', r7: 'Café', r9: 'dup' };

const AUDIT_KIND: Record<NamedTable, string> = {
  backup_jobs: 'job',
  hyperv_connections: 'hypervConnection',
  xapi_pools: 'xapiPool',
  array_connections: 'arrayConnection',
  secrets: 'secret',
};

/** The statement writing one row of `table` as it was saved before, in the dialect's placeholders. */
function insertOf(
  table: NamedTable,
  p: (i: number) => string,
  row: (typeof ROWS)[number],
  at: unknown,
  enabled: unknown,
): [string, unknown[]] {
  const params = (count: number) => Array.from({ length: count }, (_, i) => p(i + 1)).join(', ');
  const id = `${table}-${row.id}`;
  switch (table) {
    case 'backup_jobs':
      return [
        `insert into backup_jobs (id, name, request_json, cron, time_zone, missed_run_policy, retention_json,
           rpo_hours, is_enabled, created_at, updated_at)
         values (${params(3)}, null, 'UTC', 'skip', '{"keepLast":1}', 24, ${p(4)}, ${p(5)}, ${p(6)})`,
        [id, row.name, JSON.stringify({ scope: { kind: 'vms', vmIds: ['vm-1'] } }), enabled, at, at],
      ];
    case 'hyperv_connections':
      return [
        `insert into hyperv_connections (id, name, address, port, secret_id, created_at, created_by)
         values (${params(3)}, 22, 's1', ${p(4)}, 'user:1')`,
        [id, row.name, `hv-${row.id}.lab`, at],
      ];
    case 'xapi_pools':
      return [
        `insert into xapi_pools (id, name, address, secret_id, pins, refused, created_at, created_by)
         values (${params(3)}, 's1', '{}', '{}', ${p(4)}, 'user:1')`,
        [id, row.name, `xcp-${row.id}.lab`, at],
      ];
    case 'array_connections':
      return [
        `insert into array_connections (id, name, vendor, address, secret_id, created_at, created_by)
         values (${params(2)}, 'ontap', ${p(3)}, 's1', ${p(4)}, 'user:1')`,
        [id, row.name, `array-${row.id}.lab`, at],
      ];
    case 'secrets':
      return [
        `insert into secrets (id, name, kind, ciphertext, iv, auth_tag, key_id, created_at, created_by,
           updated_at, updated_by) values (${params(2)}, 'password', 'c', 'i', 't', 'k', ${p(3)}, 'user:1', ${p(4)}, 'user:1')`,
        [id, row.name, at, at],
      ];
  }
}

type ReadRow = { id: string; name: string; name_key: string | null };

/** What every table must hold after the step: each row by its id, its new name and the code's key. */
function expectUpgraded(rowsOf: (table: NamedTable) => ReadRow[]): void {
  for (const table of NAMED_TABLE_NAMES) {
    const rows = rowsOf(table).sort((a, b) => a.id.localeCompare(b.id));
    const expected = ROWS.map((row) => ({
      id: `${table}-${row.id}`,
      name: row.after,
      name_key: nameKeyOf(row.after),
    })).sort((a, b) => a.id.localeCompare(b.id));
    expect(rows, table).toEqual(expected);
  }
}

/** The trail holds one entry per rename, naming the row, both names and the one kept; it verifies. */
function expectAudited(entries: ChainedAuditEntry[]): void {
  expect(verifyChainSegment(CHAIN_START, entries).ok).toBe(true);
  expect(entries).toHaveLength(NAMED_TABLE_NAMES.length * RENAMED.length);
  for (const table of NAMED_TABLE_NAMES) {
    for (const row of RENAMED) {
      const id = `${table}-${row.id}`;
      const entry = entries.find((candidate) => candidate.objects[0]?.id === id);
      expect(entry, id).toMatchObject({
        actorLabel: 'system',
        action: 'names.rename-case-duplicate',
        outcome: 'succeeded',
        objects: [{ kind: AUDIT_KIND[table], id, name: row.after }],
        input: { from: row.name, to: row.after },
      });
      expect(entry?.message).toContain(`"${row.name}" was renamed "${row.after}"`);
      expect(entry?.message).toContain(`"${KEPT_BY[row.id]}" had the same name but for case`);
    }
  }
}

const directories: string[] = [];
afterEach(() => {
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

/** A copy of db/migrations whose journal ends before `tag`. */
function sqliteMigrationsBefore(tag: string): string {
  const directory = mkdtempSync(path.join(tmpdir(), 'migawka-name-keys-'));
  directories.push(directory);
  cpSync(path.join(import.meta.dirname, 'migrations'), path.join(directory, 'migrations'), {
    recursive: true,
  });
  const journalFile = path.join(directory, 'migrations/meta/_journal.json');
  const journal = JSON.parse(readFileSync(journalFile, 'utf8')) as { entries: { tag: string }[] };
  journal.entries = journal.entries.slice(
    0,
    journal.entries.findIndex((entry) => entry.tag === tag),
  );
  writeFileSync(journalFile, JSON.stringify(journal));
  return directory;
}

describe('the name-keys migration and step', () => {
  it('SQLite: case-variant names are renamed, audited, keyed; opening the database does it', async () => {
    const directory = sqliteMigrationsBefore('0051_name_keys');
    const file = path.join(directory, 'migawka.db');
    const old = new Database(file);
    migrateDatabase(sqliteDrizzle(old), path.join(directory, 'migrations'));
    for (const table of NAMED_TABLE_NAMES)
      for (const row of ROWS) {
        const [statement, params] = insertOf(table, () => '?', row, row.createdAt, 1);
        old.prepare(statement).run(...params);
      }
    old.close();

    const db = openDatabase(file); // the remaining migration, then the step
    const connection = sqliteOf(db);
    try {
      expectUpgraded(
        (table) => connection.prepare(`select id, name, name_key from ${table}`).all() as ReadRow[],
      );
      const entries = await createSqliteStores(db).audit.chain(0, 1000);
      expectAudited(entries);
      expect(writeSqliteNameKeys(db, connection)).toEqual([]);
      expect(await createSqliteStores(db).audit.chain(0, 1000)).toHaveLength(entries.length);
    } finally {
      connection.close();
    }
  });

  it('PostgreSQL: case-variant names are renamed, audited, keyed', async (context) => {
    if (!(await postgresForTests()).available) return context.skip();
    const database = await createTestDatabase('namekeys_migration', undefined, false);
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const migrations = migrationsUpTo('migrations-pg', '0045_name_keys.sql');
      for (const statements of migrations.slice(0, -1))
        for (const statement of statements) await client.query(statement);
      for (const table of NAMED_TABLE_NAMES)
        for (const row of ROWS) {
          const [statement, params] = insertOf(table, (i) => `$${i}`, row, new Date(row.createdAt), true);
          await client.query(statement, params);
        }
      for (const statement of migrations.at(-1) ?? []) await client.query(statement);
      const db = pgDrizzle(client, { schema: pgSchema });
      const renames = await writePgNameKeys(db, client);
      expect(renames).toHaveLength(NAMED_TABLE_NAMES.length * RENAMED.length);

      const read = new Map<NamedTable, ReadRow[]>();
      for (const table of NAMED_TABLE_NAMES)
        read.set(table, (await client.query<ReadRow>(`select id, name, name_key from ${table}`)).rows);
      expectUpgraded((table) => read.get(table) ?? []);
      const stores = createPgStores(db);
      const entries = await stores.audit.chain(0, 1000);
      expectAudited(entries);
      expect(await writePgNameKeys(db, client)).toEqual([]);
      expect(await stores.audit.chain(0, 1000)).toHaveLength(entries.length);
    } finally {
      await client.end();
      await database.drop();
    }
  });
});
