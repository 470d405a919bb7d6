/**
 * Raw SQL for tests that read or write rows no store port exposes (read models, synthetic
 * catalogues), on either dialect of `dialects.ts`.
 */
import { sqliteOf } from '../../client';
import type { DialectHandle } from './dialects';

/**
 * Raw SQL on the test's database, written once with `?` placeholders for both dialects (so no
 * literal in it may hold a `?`). Times and flags are passed as each dialect stores them (`time`,
 * `flag`); rows come back as the driver gives them, and `msOf` reads a time column as epoch ms
 * from either.
 */
export interface RawSql {
  dialect: DialectHandle['dialect'];
  all<T>(query: string, ...params: unknown[]): Promise<T[]>;
  get<T>(query: string, ...params: unknown[]): Promise<T>;
  run(query: string, ...params: unknown[]): Promise<void>;
  /** Several statements without parameters. */
  exec(statements: string): Promise<void>;
  /** An epoch-ms time as the dialect's time columns take it. */
  time(ms: number): number | Date;
  flag(value: boolean): number | boolean;
}

export function rawSqlOf(handle: DialectHandle): RawSql {
  if (handle.dialect === 'sqlite') {
    const connection = sqliteOf(handle.db);
    return {
      dialect: 'sqlite',
      all: async <T>(query: string, ...params: unknown[]) => connection.prepare(query).all(...params) as T[],
      get: async <T>(query: string, ...params: unknown[]) => connection.prepare(query).get(...params) as T,
      run: async (query, ...params) => {
        connection.prepare(query).run(...params);
      },
      exec: async (statements) => {
        connection.exec(statements);
      },
      time: (ms) => ms,
      flag: (value) => (value ? 1 : 0),
    };
  }
  const { pool } = handle.pg;
  const numbered = (query: string) => {
    let n = 0;
    return query.replace(/\?/g, () => `$${++n}`);
  };
  const all = async <T>(query: string, ...params: unknown[]) =>
    (await pool.query(numbered(query), params)).rows as T[];
  return {
    dialect: 'postgres',
    all,
    get: async <T>(query: string, ...params: unknown[]) => (await all<T>(query, ...params))[0] as T,
    run: async (query, ...params) => {
      await pool.query(numbered(query), params);
    },
    exec: async (statements) => {
      await pool.query(statements);
    },
    time: (ms) => new Date(ms),
    flag: (value) => value,
  };
}

/** A time column read back: epoch ms on SQLite, a Date on PostgreSQL. */
export const msOf = (value: number | Date) => (value instanceof Date ? value.getTime() : value);
