/**
 * Records every statement one SQLite connection runs until `stop()`: its text and parameters, in
 * order. For the plan tests and the benchmark's floors, which run a call and then look at (or run
 * again) what it ran. Recorded where statements run, on better-sqlite3's Statement prototype, and
 * not where they are prepared: the connection and the stores keep compiled statements
 * (statement-cache.ts, stores/sqlite/prepared.ts), so a call may prepare nothing at all.
 */
import type BetterSqlite from 'better-sqlite3';

export interface RecordedStatement {
  sql: string;
  params: unknown[];
}

const METHODS = ['all', 'get', 'run', 'iterate'] as const;
type Run = (this: BetterSqlite.Statement, ...params: unknown[]) => unknown;

export function recordStatements(connection: BetterSqlite.Database): {
  recorded: RecordedStatement[];
  stop: () => void;
} {
  const recorded: RecordedStatement[] = [];
  const prototype = Object.getPrototypeOf(connection.prepare('select 1')) as Record<string, Run>;
  const originals = new Map(METHODS.map((method) => [method, prototype[method]]));
  for (const [method, run] of originals) {
    prototype[method] = function (...params) {
      if (this.database === connection) recorded.push({ sql: this.source, params });
      return run.apply(this, params);
    };
  }
  return {
    recorded,
    stop: () => {
      for (const [method, run] of originals) prototype[method] = run;
    },
  };
}
