/**
 * The databases every contract suite runs against: the embedded SQLite (in memory) and PostgreSQL
 * (a throwaway database of this test file, emptied before each fixture). A suite is written once
 * and run with `describe.each(await storeDialects('label'))`; the PostgreSQL half is skipped only
 * when MIGAWKA_TEST_POSTGRES allows it (never in CI, where it is 1).
 */
import { afterAll } from 'vitest';
import { type Db, openDatabase, sqliteOf } from '../../client';
import type { PgDatabase } from '../../pg/client';
import { postgresForTests, sharedTestDatabase } from '../../pg/test-database';
import type { Stores } from '../ports';
import { createPgStores } from '../postgres';
import { createSqliteStores } from '../sqlite';

export type DialectHandle =
  | { dialect: 'sqlite'; stores: Stores; db: Db; close(): Promise<void> }
  | { dialect: 'postgres'; stores: Stores; pg: PgDatabase; close(): Promise<void> };

export interface StoreDialect {
  name: 'SQLite' | 'PostgreSQL';
  /** Why this dialect does not run here; null when it runs. */
  skip: string | null;
  /** A fresh, empty, migrated database and its stores. */
  open(options?: { maxConnections?: number }): Promise<DialectHandle>;
  /** PostgreSQL: the URL of this test file's database, for processes a test starts. */
  url?: () => Promise<string>;
}

export const sqliteDialect: StoreDialect = {
  name: 'SQLite',
  skip: null,
  async open() {
    const db = openDatabase(':memory:');
    return {
      dialect: 'sqlite',
      db,
      stores: createSqliteStores(db),
      close: async () => {
        sqliteOf(db).close();
      },
    };
  },
};

/** Both dialects for one test file; its PostgreSQL database is dropped after the file. */
export async function storeDialects(label: string): Promise<StoreDialect[]> {
  const postgres = await postgresForTests();
  const shared = sharedTestDatabase(label);
  afterAll(() => shared.dispose());
  const postgresDialect: StoreDialect = {
    name: 'PostgreSQL',
    skip: postgres.available ? null : postgres.reason,
    async open(options = {}) {
      const pg = await shared.open(options);
      return { dialect: 'postgres', pg, stores: createPgStores(pg.db), close: () => pg.close() };
    },
    url: () => shared.url(),
  };
  return [sqliteDialect, postgresDialect];
}
