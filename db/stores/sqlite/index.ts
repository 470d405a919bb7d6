/** The embedded default: every store port implemented on one better-sqlite3 database. */
import type { Db } from '../../client';
import type { Stores } from '../ports';
import { createSqliteInventoryStore } from './inventory';

export function createSqliteStores(db: Db): Stores {
  return { inventory: createSqliteInventoryStore(db) };
}
