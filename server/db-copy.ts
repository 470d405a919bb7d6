/**
 * `migawka db copy --from <sqlite file> --to <postgres url>`: moves an embedded installation onto
 * PostgreSQL. Every table is copied row for row (same ids, same times to the millisecond, so the
 * audit chain's hashes still match and `migawka audit verify` passes), parents before children, in
 * the SQLite storage order (which the PostgreSQL `storage_seq` then keeps), in ONE transaction: a
 * failure leaves the target as it was. The protection read models are not copied: the PostgreSQL
 * triggers rebuild them from the restore points and backup jobs as they arrive. A target holding any row is
 * refused unless `force` (then it is emptied first, in the same transaction).
 */
import { getTableColumns, getTableName, is, sql, Table } from 'drizzle-orm';
import { getTableConfig as getPgTableConfig, type PgTable } from 'drizzle-orm/pg-core';
import type { Db } from '../db/client';
import type { PgDb } from '../db/pg/client';
import * as pgSchema from '../db/pg/schema';
import * as sqliteSchema from '../db/schema';

/** Kept by triggers on restore_points and backup_jobs in both databases: rebuilt, never copied. */
const READ_MODELS = new Set([
  'restore_point_daily_counts',
  'restore_point_job_vms',
  'vm_latest_good_points',
  'backup_job_vms',
]);
const ROWS_PER_STATEMENT = 500;

export interface CopyReport {
  /** Rows copied per table, in copy order. */
  tables: { table: string; rows: number }[];
}

export class CopyRefused extends Error {}

function tablesOf(schema: Record<string, unknown>): Map<string, Table> {
  const tables = new Map<string, Table>();
  for (const value of Object.values(schema)) if (is(value, Table)) tables.set(getTableName(value), value);
  return tables;
}

/** Table names with every referenced table first (references to the table itself ignored). */
function parentsFirst(pgTables: Map<string, Table>): string[] {
  const order: string[] = [];
  const visiting = new Set<string>();
  const visit = (name: string) => {
    if (order.includes(name) || visiting.has(name)) return;
    visiting.add(name);
    const table = pgTables.get(name) as PgTable;
    for (const key of getPgTableConfig(table).foreignKeys) {
      const parent = getTableName(key.reference().foreignTable);
      if (parent !== name) visit(parent);
    }
    order.push(name);
  };
  for (const name of [...pgTables.keys()].sort()) visit(name);
  return order;
}

export async function copySqliteToPostgres(
  source: Db,
  target: PgDb,
  options: { force?: boolean } = {},
): Promise<CopyReport> {
  const sqliteTables = tablesOf(sqliteSchema);
  const pgTables = tablesOf(pgSchema);
  const order = parentsFirst(pgTables).filter((name) => !READ_MODELS.has(name));
  return target.transaction(async (tx) => {
    const nonEmpty: string[] = [];
    for (const name of pgTables.keys()) {
      const { rows } = await tx.execute(sql.raw(`select 1 from "${name}" limit 1`));
      if (rows.length > 0) nonEmpty.push(name);
    }
    if (nonEmpty.length > 0) {
      if (!options.force) {
        throw new CopyRefused(
          `The target database is not empty (${nonEmpty.join(', ')} hold rows); copy into an empty database, or pass --force to replace what it holds.`,
        );
      }
      await tx.execute(
        sql.raw(
          `TRUNCATE ${[...pgTables.keys()].map((name) => `"${name}"`).join(', ')} RESTART IDENTITY CASCADE`,
        ),
      );
    }
    await tx.execute(sql`set constraints all deferred`);
    const report: CopyReport = { tables: [] };
    for (const name of order) {
      const from = sqliteTables.get(name);
      const to = pgTables.get(name) as PgTable;
      if (!from) throw new Error(`The SQLite schema has no table ${name}`);
      // rowid order: what SQLite lists as storage order stays the storage order.
      const rows = source
        .select()
        .from(from as never)
        .orderBy(sql`rowid`)
        .all() as Record<string, unknown>[];
      for (let start = 0; start < rows.length; start += ROWS_PER_STATEMENT) {
        await tx.insert(to).values(rows.slice(start, start + ROWS_PER_STATEMENT) as never[]);
      }
      report.tables.push({ table: name, rows: rows.length });
    }
    // Identity columns were given explicit ids: move each sequence past the largest copied.
    for (const name of order) {
      const columns = Object.values(getTableColumns(pgTables.get(name) as PgTable));
      for (const column of columns.filter(
        (candidate) => candidate.name === 'id' && candidate.dataType === 'number',
      )) {
        await tx.execute(
          sql.raw(
            `select setval(pg_get_serial_sequence('"${name}"', '${column.name}'), coalesce((select max("${column.name}") from "${name}"), 0) + 1, false)`,
          ),
        );
      }
    }
    return report;
  });
}
