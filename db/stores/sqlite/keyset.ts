/**
 * The one keyset pager of every list, and the one LIKE escape.
 *
 * Keyset ("seek") pagination: a page ends at row (sortValue, id); the next page asks for rows
 * strictly after that pair in the list's order. Unlike OFFSET it costs the same on page 1 and
 * page 800, and a row inserted meanwhile never shifts the pages.
 *
 * The cursor is opaque to clients (base64url JSON) but carries the sort it was made for, so a
 * cursor reused with another sort is rejected instead of silently skipping rows.
 */
import { type Placeholder, type SQL, sql } from 'drizzle-orm';
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core';
import { DomainError } from '../../../server/engine/errors';
import type { Page } from '../ports/page';

export type SortValue = string | number;

interface CursorPayload {
  /** sort name + direction the cursor belongs to */
  s: string;
  v: SortValue;
  i: string;
}

export function encodeCursor(sortKey: string, value: SortValue, id: string): string {
  const payload: CursorPayload = { s: sortKey, v: value, i: id };
  return Buffer.from(JSON.stringify(payload)).toString('base64url');
}

export function decodeCursor(cursor: string, sortKey: string): { value: SortValue; id: string } {
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor('is not a cursor returned by this list');
  }
  const { s, v, i } = (payload ?? {}) as Partial<CursorPayload>;
  if (typeof i !== 'string' || (typeof v !== 'string' && typeof v !== 'number')) {
    throw invalidCursor('is not a cursor returned by this list');
  }
  if (s !== sortKey) throw invalidCursor('belongs to another sort order; start again from the first page');
  return { value: v, id: i };
}

function invalidCursor(message: string): DomainError {
  return new DomainError('INVALID_INPUT', `Invalid cursor: ${message}`, [{ path: 'cursor', message }]);
}

/** `(sortExpr, id) > (v, i)` (or `<` descending): SQLite row values compare lexicographically. */
export function afterCursor(
  sortExpr: SQL | SQLiteColumn,
  idColumn: SQLiteColumn,
  direction: 'asc' | 'desc',
  cursor: { value: SortValue | Placeholder; id: string | Placeholder },
): SQL {
  return direction === 'asc'
    ? sql`(${sortExpr}, ${idColumn}) > (${cursor.value}, ${cursor.id})`
    : sql`(${sortExpr}, ${idColumn}) < (${cursor.value}, ${cursor.id})`;
}

export function orderBy(
  sortExpr: SQL | SQLiteColumn,
  idColumn: SQLiteColumn,
  direction: 'asc' | 'desc',
): SQL[] {
  return direction === 'asc'
    ? [sql`${sortExpr} asc`, sql`${idColumn} asc`]
    : [sql`${sortExpr} desc`, sql`${idColumn} desc`];
}

/** Escapes LIKE wildcards so a search for "50%" matches the text "50%" (use with `escape '\\'`). */
export function containsPattern(search: string): string {
  return `%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * `column LIKE '%search%'`, wildcards in `search` taken literally (case-insensitive for ASCII). A
 * placeholder stands for the search in a statement kept for any value: bind it containsPattern(search).
 */
export function likeContains(column: SQL | SQLiteColumn, search: string | Placeholder): SQL {
  const pattern = typeof search === 'string' ? containsPattern(search) : search;
  return sql`${column} like ${pattern} escape '\\'`;
}

/**
 * One page from `limit + 1` rows fetched in the list's order: the extra row only says another page
 * exists; the cursor is made from the last row kept, by `keyOf` (its sort value and id).
 */
export function keysetPage<T>(
  rows: T[],
  limit: number,
  sortKey: string,
  keyOf: (row: T) => { value: SortValue; id: string },
): Page<T> {
  const hasMore = rows.length > limit;
  const items = hasMore ? rows.slice(0, limit) : rows;
  const last = items.at(-1);
  if (!hasMore || last === undefined) return { items, nextCursor: null };
  const key = keyOf(last);
  return { items, nextCursor: encodeCursor(sortKey, key.value, key.id) };
}

/** `keysetPage` for rows that carry their sort value as `sortValue`, which the page drops. */
export function toPage<T extends { id: string; sortValue: SortValue }>(
  rows: T[],
  limit: number,
  sortKey: string,
): Page<Omit<T, 'sortValue'>> {
  const page = keysetPage(rows, limit, sortKey, (row) => ({ value: row.sortValue, id: row.id }));
  return { ...page, items: page.items.map(({ sortValue: _sortValue, ...item }) => item) };
}
