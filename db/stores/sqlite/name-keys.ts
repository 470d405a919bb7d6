/** Names unique regardless of case on SQLite (../name-key-conflict.ts): the key written, the holder read. */
import { eq } from 'drizzle-orm';
import type { SQLiteColumn, SQLiteTable } from 'drizzle-orm/sqlite-core';
import { nameKeyOf } from '../../../server/engine/name-keys';
import type { Db } from '../../client';
import { type NamedTable, refusingNameClash } from '../name-key-conflict';

type NamedColumns = SQLiteTable & { name: SQLiteColumn; nameKey: SQLiteColumn };

/**
 * Runs `write` (an insert or rename giving the row `name`), refusing a name another row of `table`
 * has in any case with the CONFLICT naming that row.
 */
export function writingName<T>(
  db: Db,
  tableName: NamedTable,
  table: NamedColumns,
  name: string,
  write: () => T,
): Promise<T> {
  const holderOf = async () =>
    (
      db
        .select({ name: table.name })
        .from(table)
        .where(eq(table.nameKey, nameKeyOf(name)))
        .get() as { name: string } | undefined
    )?.name ?? null;
  return refusingNameClash(tableName, name, holderOf, async () => write());
}
