/**
 * The name-key step on PostgreSQL (db/name-keys-step.ts says what and why): run by `migratePg` right
 * after the migrations, under the migration advisory lock, so one process of many starting at once
 * writes the keys and the others find them written. Computed in code, not with lower(), which
 * follows the database's locale and would not agree with the code for every name.
 */
import type { KeyedRow, NameKeyFix } from '../../server/engine/name-keys';
import {
  fixesOf,
  NAMED_TABLE_NAMES,
  type NameKeyRename,
  renameAuditEntry,
  renamesOf,
} from '../name-keys-step';
import type { NamedTable } from '../stores/name-key-conflict';
import { appendAuditIn } from '../stores/postgres/audit-store';
import type { PgDb } from './client';

interface Queryable {
  query<R>(text: string, values?: unknown[]): Promise<{ rows: R[] }>;
}

async function allRows(client: Queryable): Promise<Map<NamedTable, KeyedRow[]>> {
  const rows = new Map<NamedTable, KeyedRow[]>();
  for (const table of NAMED_TABLE_NAMES) {
    const result = await client.query<{
      id: string;
      name: string;
      name_key: string | null;
      created_at: Date;
    }>(`select id, name, name_key, created_at from ${table}`);
    rows.set(
      table,
      result.rows.map((row) => ({
        id: row.id,
        name: row.name,
        nameKey: row.name_key,
        createdAt: row.created_at,
      })),
    );
  }
  return rows;
}

/** The step on the connection `client` (holding the migration lock), through `db` on it; what it renamed. */
export async function writePgNameKeys(
  db: PgDb,
  client: Queryable,
  now = new Date(),
): Promise<NameKeyRename[]> {
  const read = await allRows(client);
  const fixes: Map<NamedTable, NameKeyFix[]> = fixesOf((table) => read.get(table) ?? []);
  if ([...fixes.values()].every((tableFixes) => tableFixes.length === 0)) return [];
  // Under the migration lock every other starting process waits; a web node already serving would
  // have written keys of its own, and its rows are read again inside the transaction.
  return db.transaction(async (tx) => {
    const fresh = await allRows(client);
    const current = fixesOf((table) => fresh.get(table) ?? []);
    for (const [table, tableFixes] of current) {
      // Keys cleared first: a row's new key may be another's stale one.
      for (const fix of tableFixes)
        await client.query(`update ${table} set name_key = null where id = $1`, [fix.id]);
      for (const fix of tableFixes) {
        await client.query(`update ${table} set name = $1, name_key = $2 where id = $3`, [
          fix.name,
          fix.nameKey,
          fix.id,
        ]);
        if (fix.renamedFrom !== null) await appendAuditIn(tx, renameAuditEntry(table, fix, now));
      }
    }
    return renamesOf(current);
  });
}
