/**
 * Compile-time proof that the two schema modules cannot drift: both export the same table names,
 * and every table's row type (`$inferSelect`) and insert type (`$inferInsert`) is the same in
 * both dialects. A column added to one schema and not the other, or with another type or
 * nullability, fails `tsc` here, naming the table.
 */
import type * as sqlite from '../schema';
import type * as pg from './schema';

/** Exact type equality (not mutual assignability: `any` and optional properties count). */
type Equal<X, Y> = (<T>() => T extends X ? 1 : 2) extends <T>() => T extends Y ? 1 : 2 ? true : false;
type Expect<T extends true> = T;
/** Fails with "Type '\"hosts\"' does not satisfy the constraint 'never'": the names are the culprits. */
type NoneOf<T extends never> = T;

type SqliteTables = typeof sqlite;
type PgTables = typeof pg;

/** Names exported by one module and not the other (never when both agree). */
export type MissingInPg = Exclude<keyof SqliteTables, keyof PgTables>;
export type MissingInSqlite = Exclude<keyof PgTables, keyof SqliteTables>;
export type SameTableNames = NoneOf<MissingInPg | MissingInSqlite>;

type RowMismatch = {
  [Name in keyof SqliteTables & keyof PgTables]: SqliteTables[Name] extends { $inferSelect: infer A }
    ? PgTables[Name] extends { $inferSelect: infer B }
      ? Equal<A, B> extends true
        ? never
        : Name
      : Name
    : never;
}[keyof SqliteTables & keyof PgTables];

type InsertMismatch = {
  [Name in keyof SqliteTables & keyof PgTables]: SqliteTables[Name] extends { $inferInsert: infer A }
    ? PgTables[Name] extends { $inferInsert: infer B }
      ? Equal<A, B> extends true
        ? never
        : Name
      : Name
    : never;
}[keyof SqliteTables & keyof PgTables];

/** `never` when every table agrees; otherwise the names of the tables that differ. */
export type TablesWithDifferentRows = RowMismatch;
export type TablesWithDifferentInserts = InsertMismatch;
export type SameRows = NoneOf<RowMismatch>;
export type SameInserts = NoneOf<InsertMismatch>;
export type EqualityWorks = Expect<Equal<{ a: number }, { a: number }>>;
