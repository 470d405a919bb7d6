/**
 * Statements a claim runs on every step on PostgreSQL, built by Drizzle once per connection and
 * sent as named prepared statements (the name in node-postgres' `{ name, text, values }`): the
 * connection parses and plans each once, and Drizzle does not build it again. The counterpart of
 * ../sqlite/prepared.ts. A list of ids or keys is one text[] parameter (anyOf), never Drizzle's
 * inArray: that writes one parameter per value, so a list of another length is another statement
 * to build, parse and plan.
 *
 * A statement built on a transaction runs on that transaction's pooled connection, and node-postgres
 * remembers per connection which names it has parsed there; a connection the pool drops takes its
 * statements with it, and the next one prepares its own.
 */
import { type Column, type SQL, sql } from 'drizzle-orm';
import type { PgTx } from './transaction';

const byConnection = new WeakMap<object, Map<string, unknown>>();

function connectionOf(tx: PgTx): object {
  // Every Drizzle transaction keeps its session, whose client is the pooled connection it runs on.
  return (tx as unknown as { session: { client: object } }).session.client;
}

/**
 * The statement `name` of the connection `tx` runs on, built by `build` the first time it is asked
 * for there; `build` passes the name it is given to Drizzle's prepare (one text per name).
 */
export function preparedIn<T>(tx: PgTx, name: string, build: (statementName: string) => T): T {
  const connection = connectionOf(tx);
  let statements = byConnection.get(connection);
  if (!statements) {
    statements = new Map();
    byConnection.set(connection, statements);
  }
  let statement = statements.get(name) as T | undefined;
  if (statement === undefined) {
    statement = build(`migawka_${name}`);
    statements.set(name, statement);
  }
  return statement;
}

/** `column = any(…)` of the text[] bound to the placeholder `name`: one statement for any length. */
export function anyOf(column: Column, name: string): SQL {
  return sql`${column} = any(${sql.placeholder(name)}::text[])`;
}

/** `column <> all(…)` of the text[] bound to the placeholder `name` (Drizzle's notInArray). */
export function noneOf(column: Column, name: string): SQL {
  return sql`${column} <> all(${sql.placeholder(name)}::text[])`;
}

/**
 * A placeholder as a value of an update's `set`: Drizzle binds it through the column's encoder at
 * run time (a Date as the timestamp it stores), but its types for `set` leave placeholders out.
 */
export function settable(name: string): never {
  return sql.placeholder(name) as never;
}
