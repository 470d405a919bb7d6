/**
 * List pages keep their filters, sort and cursor in the URL so links, reloads and back/forward
 * all reproduce the same page. Cursors are opaque; `back` stacks the cursors of earlier pages
 * ('' = the first page) so "Previous" needs no server support beyond `nextCursor`.
 */

export interface CursorState {
  cursor: string | undefined;
  back: string[];
}

export function readCursorState(params: URLSearchParams): CursorState {
  return { cursor: params.get('cursor') || undefined, back: params.getAll('back') };
}

/** Query string after setting (or clearing, with '' / undefined) some params; any change restarts paging. */
export function withParams(current: URLSearchParams, changes: Record<string, string | undefined>): string {
  const next = new URLSearchParams(current);
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined || value === '') next.delete(key);
    else next.set(key, value);
  }
  next.delete('cursor');
  next.delete('back');
  return next.toString();
}

export function nextPageParams(current: URLSearchParams, nextCursor: string): string {
  const next = new URLSearchParams(current);
  next.append('back', current.get('cursor') ?? '');
  next.set('cursor', nextCursor);
  return next.toString();
}

export function previousPageParams(current: URLSearchParams): string {
  const next = new URLSearchParams(current);
  const back = next.getAll('back');
  const previousCursor = back.pop();
  next.delete('back');
  for (const cursor of back) next.append('back', cursor);
  if (previousCursor) next.set('cursor', previousCursor);
  else next.delete('cursor');
  return next.toString();
}

/** The value when it is one of the allowed ones; a hand-edited URL with junk falls back to "no filter". */
export function pickEnum<T extends string>(value: string | null, allowed: readonly T[]): T | undefined {
  return value !== null && (allowed as readonly string[]).includes(value) ? (value as T) : undefined;
}

/** What a list's count procedure takes: the list's input without its order and page. */
export function filtersOf<
  T extends { sort?: unknown; direction?: unknown; cursor?: unknown; limit?: unknown },
>(input: T): Omit<T, 'sort' | 'direction' | 'cursor' | 'limit'> {
  const { sort: _sort, direction: _direction, cursor: _cursor, limit: _limit, ...filters } = input;
  return filters;
}
