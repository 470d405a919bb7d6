/**
 * The one page shape of every list: `nextCursor` is an opaque keyset cursor (null on the last
 * page). Lists that also count every match add `Counted`.
 */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** How many rows match the list's filters, over all pages. */
export interface Counted {
  total: number;
}
