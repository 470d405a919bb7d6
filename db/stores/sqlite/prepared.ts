/**
 * Statements the claim and completion paths run on every step, built once per connection
 * (issue 13): building a query with Drizzle and compiling it in SQLite cost more than running it —
 * about two thirds of a claim's CPU in the profile. A prepared query keeps both, and takes its
 * values through placeholders. better-sqlite3 has one connection per Db, and its transactions run
 * on that same connection, so one statement serves the Db and every transaction over it.
 */
import type BetterSqlite from 'better-sqlite3';
import { type Column, sql } from 'drizzle-orm';
import type { Db, Tx } from '../../client';

type Owner = Pick<Db, 'select'> | Tx;

const byConnection = new WeakMap<object, Map<string, unknown>>();

function connectionOf(owner: Owner): object {
  // Every Drizzle database and transaction keeps its session, whose client is the connection.
  return (owner as unknown as { session: { client: object } }).session.client;
}

/** The statements `kept` holds for this owner's connection (an empty map the first time). */
function statementsOf(kept: WeakMap<object, Map<string, unknown>>, owner: Owner): Map<string, unknown> {
  const connection = connectionOf(owner);
  let statements = kept.get(connection);
  if (!statements) {
    statements = new Map();
    kept.set(connection, statements);
  }
  return statements;
}

/** The statement `name` of this connection, built by `build` the first time it is asked for. */
export function preparedIn<T>(owner: Owner, name: string, build: () => T): T {
  const statements = statementsOf(byConnection, owner);
  let statement = statements.get(name) as T | undefined;
  if (statement === undefined) {
    statement = build();
    statements.set(name, statement);
  }
  return statement;
}

const byShape = new WeakMap<object, Map<string, unknown>>();

/** How many shapes of statement a connection keeps (for all lists together). */
export const SHAPES_KEPT = 256;

/**
 * Like preparedIn, for a statement whose text depends on the query (which filters apply, the sort):
 * the least recently used shape goes once SHAPES_KEPT are kept, so a client combining filters cannot
 * grow the connection's statements without bound.
 */
export function preparedShapeIn<T>(owner: Owner, shape: string, build: () => T): T {
  const statements = statementsOf(byShape, owner);
  let statement = statements.get(shape) as T | undefined;
  if (statement === undefined) {
    statement = build();
    if (statements.size >= SHAPES_KEPT) statements.delete(statements.keys().next().value as string);
  } else {
    statements.delete(shape);
  }
  statements.set(shape, statement);
  return statement;
}

/**
 * `column IN` the JSON array bound to the placeholder `name` (jsonList): one statement, prepared
 * once, for any number of values. Drizzle's inArray writes one parameter per value, so a list of
 * another length is another statement to build and compile (issue 13: about a sixth of a claim).
 */
export function inJson(column: Column, name: string) {
  return sql`${column} in (select value from json_each(${sql.placeholder(name)}))`;
}

/** The value of an inJson placeholder. */
export function jsonList(values: readonly string[]): string {
  return JSON.stringify(values);
}

/**
 * A statement in plain SQL, prepared once per connection like preparedIn's: for the few that
 * Drizzle's builders cannot say (a select from json_each, an insert from a union).
 */
export function rawPreparedIn(owner: Owner, name: string, text: string): BetterSqlite.Statement {
  return preparedIn(owner, `raw:${name}`, () => (connectionOf(owner) as BetterSqlite.Database).prepare(text));
}

/**
 * A placeholder compared with `column`, its value encoded as the column stores it (a Date as epoch
 * milliseconds): a bare placeholder in a condition would be bound as it is. In `set` and `values`
 * a bare `sql.placeholder` is encoded already.
 */
export function slot(name: string, column: Column) {
  return sql.param(sql.placeholder(name), column);
}

/**
 * A placeholder as a value of an update's `set`: Drizzle binds it through the column's encoder at
 * run time, but its types for `set` leave placeholders out.
 */
export function settable(name: string): never {
  return sql.placeholder(name) as never;
}

/**
 * A placeholder bound as given, for a nullable timestamp: Drizzle's encoder would read null as a
 * Date. The caller passes epoch milliseconds or null (msOrNull).
 */
export function settableAsIs(name: string): never {
  return sql`${sql.placeholder(name)}` as never;
}

export function msOrNull(at: Date | null): number | null {
  return at === null ? null : at.getTime();
}
