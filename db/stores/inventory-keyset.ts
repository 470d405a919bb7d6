/**
 * Keyset ("seek") pagination: a page ends at row (sortValue, id); the next page asks for rows
 * strictly after that pair in the list's order. Unlike OFFSET it costs the same on page 1 and
 * page 800, and a row inserted meanwhile never shifts the pages.
 *
 * The cursor is opaque to clients (base64url JSON) but carries the sort it was made for, so a
 * cursor reused with another sort is rejected instead of silently skipping rows.
 */
import { type SQL, sql } from 'drizzle-orm';
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core';
import { DomainError } from '../../server/services/errors';

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
  cursor: { value: SortValue; id: string },
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

/** Escapes LIKE wildcards so a search for "50%" matches the text "50%". */
export function containsPattern(search: string): string {
  return `%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * Cuts the extra row fetched to know whether another page exists, and builds its cursor.
 * Rows must carry `sortValue` (the value of the sort expression) and `id`.
 */
export function toPage<T extends { id: string; sortValue: SortValue }>(
  rows: T[],
  limit: number,
  sortKey: string,
): { items: Omit<T, 'sortValue'>[]; nextCursor: string | null } {
  const hasMore = rows.length > limit;
  const pageRows = hasMore ? rows.slice(0, limit) : rows;
  const last = pageRows.at(-1);
  const nextCursor = hasMore && last ? encodeCursor(sortKey, last.sortValue, last.id) : null;
  return { items: pageRows.map(({ sortValue: _sortValue, ...item }) => item), nextCursor };
}
