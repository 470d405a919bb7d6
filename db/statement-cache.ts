/**
 * A connection's statements kept by their text, so a query Drizzle builds again (the same text each
 * time: its values are bound parameters) is compiled by SQLite once rather than on every call.
 * better-sqlite3 compiles on every `prepare`, and Drizzle prepares every query it runs; on the VM
 * list's first page compiling took more time than running (issue 13, docs/BENCHMARKS.md).
 *
 * A statement is handed out again only when it is not busy (an iteration still open on it), with
 * its result mode reset to rows as objects: Drizzle and the stores switch a statement to arrays with
 * `raw()` where they want them (and `pluck` or `expand` would be undone the same way). SQLite re-compiles a kept statement by itself after a schema change.
 * The least recently used text goes once `capacity` are kept.
 */
import type Database from 'better-sqlite3';

export const STATEMENT_CACHE_CAPACITY = 500;

export function keepStatements(connection: Database.Database, capacity = STATEMENT_CACHE_CAPACITY): void {
  const compile = connection.prepare.bind(connection);
  const kept = new Map<string, Database.Statement>();
  const prepare = (text: string): Database.Statement => {
    const statement = kept.get(text);
    if (statement && !statement.busy) {
      kept.delete(text);
      kept.set(text, statement);
      if (statement.reader) statement.raw(false).pluck(false).expand(false);
      return statement;
    }
    const compiled = compile(text);
    if (!statement) {
      kept.set(text, compiled);
      if (kept.size > capacity) kept.delete(kept.keys().next().value as string);
    }
    return compiled;
  };
  connection.prepare = prepare as Database.Database['prepare'];
}
