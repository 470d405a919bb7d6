/** Names unique regardless of case on PostgreSQL (../name-key-conflict.ts): the key written, the holder read. */
import { eq } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import { nameKeyOf } from '../../../server/engine/name-keys';
import type { PgDb } from '../../pg/client';
import { type NamedTable, refusingNameClash } from '../name-key-conflict';

type NamedColumns = PgTable & { name: PgColumn; nameKey: PgColumn };

/**
 * Runs `write` (an insert or rename giving the row `name`), refusing a name another row of `table`
 * has in any case with the CONFLICT naming that row. The holder is read outside `write`'s statement
 * (or transaction), which the refusal aborted.
 */
export function writingName<T>(
  db: PgDb,
  tableName: NamedTable,
  table: NamedColumns,
  name: string,
  write: () => Promise<T>,
): Promise<T> {
  const holderOf = async () => {
    const [row] = (await db
      .select({ name: table.name })
      .from(table)
      .where(eq(table.nameKey, nameKeyOf(name)))) as { name: string }[];
    return row?.name ?? null;
  };
  return refusingNameClash(tableName, name, holderOf, write);
}
