/**
 * The keyset pager's SQL on PostgreSQL. Cursors, pages and the LIKE pattern are shared with SQLite
 * (../sqlite/keyset.ts); only the comparison differs: a row-value comparison needs both sides of
 * the column's type, so a time column's cursor (epoch milliseconds, as SQLite stores it) is turned
 * back into a timestamptz here, and a cursor is made the same way on both databases.
 */
import { type SQL, sql } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import { containsPattern, type SortValue } from '../sqlite/keyset';

export { containsPattern, decodeCursor, encodeCursor, keysetPage, toPage } from '../sqlite/keyset';
export type { SortValue };

type Expr = SQL | PgColumn;

function cursorValueOf(sortExpr: Expr, value: SortValue): SQL {
  const isTime = 'columnType' in sortExpr && sortExpr.columnType === 'PgTimestamp';
  return isTime && typeof value === 'number' ? sql`${new Date(value)}::timestamptz` : sql`${value}`;
}

export function afterCursor(
  sortExpr: Expr,
  idColumn: PgColumn,
  direction: 'asc' | 'desc',
  cursor: { value: SortValue; id: string },
): SQL {
  const value = cursorValueOf(sortExpr, cursor.value);
  return direction === 'asc'
    ? sql`(${sortExpr}, ${idColumn}) > (${value}, ${cursor.id})`
    : sql`(${sortExpr}, ${idColumn}) < (${value}, ${cursor.id})`;
}

export function orderBy(sortExpr: Expr, idColumn: PgColumn, direction: 'asc' | 'desc'): SQL[] {
  return direction === 'asc'
    ? [sql`${sortExpr} asc`, sql`${idColumn} asc`]
    : [sql`${sortExpr} desc`, sql`${idColumn} desc`];
}

/**
 * `column ILIKE '%search%'`: SQLite's LIKE folds ASCII case, PostgreSQL's does not; ILIKE under
 * the C collation folds ASCII only, as SQLite does.
 */
export function likeContains(column: Expr, search: string): SQL {
  return sql`${column} ilike ${containsPattern(search)} escape '\\'`;
}
