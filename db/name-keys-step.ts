/**
 * The name-key step: runs right after the migrations, before any store is used (db/client.ts
 * `migrateDatabase`; PostgreSQL: db/pg/name-keys-step.ts under the migration lock). It writes
 * `name_key` (server/engine/name-keys.ts) on every named row whose key is missing (saved before the
 * column existed: SQL cannot compute it, SQLite's lower() folds ASCII only) or stale (the function
 * changed since). Names saved before that differ only in case ("Pool-A", "pool-a", or "Łódź",
 * "łódź") cannot keep both: the oldest keeps its name, each later one is renamed ("pool-a (2)"),
 * keeping its id, and each rename is recorded in the audit trail, where an administrator sees it.
 * Nothing is lost and the unique index never refuses the migration.
 */
import type Database from 'better-sqlite3';
import { v7 as timeOrderedUuid } from 'uuid';
import { SYSTEM_ACTOR } from '../server/context';
import { type KeyedRow, type NameKeyFix, nameKeyFixes } from '../server/engine/name-keys';
import type { Db } from './client';
import { NAMED_TABLES, type NamedTable } from './stores/name-key-conflict';
import type { NewAuditEntry } from './stores/ports/audit-store';
import { appendAuditIn } from './stores/sqlite/audit-store';

/** How the audit trail names a row of each table: its object kind (audit-names.ts) and its noun. */
const AUDITED_AS: Record<NamedTable, { object: string; noun: string }> = {
  backup_jobs: { object: 'job', noun: 'backup job' },
  hyperv_connections: { object: 'hypervConnection', noun: 'Hyper-V host' },
  xapi_pools: { object: 'xapiPool', noun: 'pool' },
  array_connections: { object: 'arrayConnection', noun: 'array' },
  secrets: { object: 'secret', noun: 'secret' },
};

export const NAMED_TABLE_NAMES = Object.keys(NAMED_TABLES) as NamedTable[];

/** A rename the step made, as it returns them (the tests, the log). */
export interface NameKeyRename {
  table: NamedTable;
  id: string;
  from: string;
  to: string;
}

/** The audit entry of one rename: by the system, naming the row (by its new name) and the old name. */
export function renameAuditEntry(table: NamedTable, fix: NameKeyFix, at: Date): NewAuditEntry {
  const { object, noun } = AUDITED_AS[table];
  return {
    id: timeOrderedUuid(),
    at,
    actorLabel: SYSTEM_ACTOR.id,
    actorName: SYSTEM_ACTOR.name,
    actorRole: null,
    action: 'names.rename-case-duplicate',
    objects: [{ kind: object, id: fix.id, name: fix.name }],
    input: { from: fix.renamedFrom, to: fix.name },
    outcome: 'succeeded',
    message:
      `The ${noun} "${fix.renamedFrom}" was renamed "${fix.name}" when the database was upgraded: ` +
      `the ${noun} "${fix.keptBy}" had the same name but for case, and such names cannot be told apart. ` +
      'Rename it again if you wish.',
    ip: null,
    userAgent: null,
  };
}

/** Each table's rows whose key is missing or stale, with what to write. */
export function fixesOf(rowsOf: (table: NamedTable) => KeyedRow[]): Map<NamedTable, NameKeyFix[]> {
  return new Map(NAMED_TABLE_NAMES.map((table) => [table, nameKeyFixes(rowsOf(table))]));
}

export function renamesOf(fixes: Map<NamedTable, NameKeyFix[]>): NameKeyRename[] {
  return [...fixes].flatMap(([table, tableFixes]) =>
    tableFixes.flatMap((fix) =>
      fix.renamedFrom === null ? [] : [{ table, id: fix.id, from: fix.renamedFrom, to: fix.name }],
    ),
  );
}

/** The step on SQLite, in one write transaction; what it renamed. */
export function writeSqliteNameKeys(
  db: Db,
  connection: Database.Database,
  now = new Date(),
): NameKeyRename[] {
  const rowsOf = (table: NamedTable): KeyedRow[] =>
    (
      connection.prepare(`select id, name, name_key, created_at from ${table}`).all() as {
        id: string;
        name: string;
        name_key: string | null;
        created_at: number;
      }[]
    ).map((row) => ({
      id: row.id,
      name: row.name,
      nameKey: row.name_key,
      createdAt: new Date(row.created_at),
    }));
  // Read first without the write lock: at most starts, every key is already right.
  if ([...fixesOf(rowsOf).values()].every((fixes) => fixes.length === 0)) return [];
  return db.transaction(
    (tx) => {
      const fixes = fixesOf(rowsOf); // again under the lock: another process may have written them
      for (const [table, tableFixes] of fixes) {
        // Keys cleared first: a row's new key may be another's stale one.
        const clear = connection.prepare(`update ${table} set name_key = null where id = ?`);
        for (const fix of tableFixes) clear.run(fix.id);
        const write = connection.prepare(`update ${table} set name = ?, name_key = ? where id = ?`);
        for (const fix of tableFixes) {
          write.run(fix.name, fix.nameKey, fix.id);
          if (fix.renamedFrom !== null) appendAuditIn(tx, renameAuditEntry(table, fix, now));
        }
      }
      return renamesOf(fixes);
    },
    { behavior: 'immediate' },
  );
}
