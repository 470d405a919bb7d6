/**
 * What the statements a call runs read, on both dialects: every statement is captured as it is
 * sent, then explained. On SQLite a `SCAN <table>` without an index is a whole-table read; on
 * PostgreSQL, with sequential scans priced out (`enable_seqscan = off`), a `Seq Scan` is left only
 * where no index can serve the condition. A small lab plans the same way on 20 VMs as on 20,000,
 * so a statement that reads every row here reads every row there too.
 */
import type pg from 'pg';
import { sqliteOf } from '../db/client';
import { type PgPlanNode, partialIndexesOf, wholeTableNodes } from '../db/pg/test-plan-reads';
import type { ProcessDatabase } from '../db/process-database';
import { type RecordedStatement, recordStatements } from '../db/statement-recording';

/** A statement a call ran: its text and parameters. */
export type CapturedStatement = RecordedStatement;

/** The statements that read (an insert … select reads too). */
export const READS = /^\s*(select|with|update|delete|insert\s+into\s+\S+\s*(\([^)]*\)\s*)?select)\b/i;

export interface StatementCapture {
  captured: CapturedStatement[];
  stop(): void;
  /** The plan lines of a statement that read a whole table (a Limit may stop an index walk). */
  wholeTableReads(statement: CapturedStatement): Promise<string[]>;
  /**
   * The plan lines of a statement that walk one of `tables` from end to end, by index or not,
   * a Limit above it notwithstanding: for a statement that must read those tables by key only.
   */
  walksOf(statement: CapturedStatement, tables: readonly string[]): Promise<string[]>;
  /** The plan lines of a statement that look `table` up through an index condition. */
  keyedReadsOf(statement: CapturedStatement, table: string): Promise<string[]>;
  /** The names of the indexes a statement's plan reads, in any way. */
  indexesOf(statement: CapturedStatement): Promise<string[]>;
}

/** Records every statement the database runs until `stop()`. */
export function captureStatements(database: ProcessDatabase): StatementCapture {
  return database.kind === 'sqlite' ? captureSqlite(database) : capturePostgres(database);
}

function captureSqlite(database: Extract<ProcessDatabase, { kind: 'sqlite' }>): StatementCapture {
  const connection = sqliteOf(database.db);
  const recording = recordStatements(connection);
  const captured: CapturedStatement[] = recording.recorded;
  const planOf = (statement: CapturedStatement): string[] => {
    const explain = connection.prepare(`EXPLAIN QUERY PLAN ${statement.sql}`);
    const plan = (explain.all as (...params: unknown[]) => unknown[])(...statement.params) as {
      detail: string;
    }[];
    return plan.map((row) => row.detail);
  };
  return {
    captured,
    stop: recording.stop,
    wholeTableReads: async (statement) => planOf(statement).filter(isWholeTableScan),
    async walksOf(statement, tables) {
      // The plan names a table by its alias: `SCAN v USING INDEX vms_name_idx` walks all of vms.
      const names = new Set(tables.flatMap((table) => [table, ...aliasesOf(statement.sql, table)]));
      return planOf(statement).filter((detail) => {
        const scan = /^SCAN (\S+)(.*)$/.exec(detail);
        return scan !== null && names.has(scan[1] ?? '') && !/VIRTUAL TABLE/.test(scan[2] ?? '');
      });
    },
    async keyedReadsOf(statement, table) {
      // `SEARCH b USING COVERING INDEX backup_job_vms_vm_idx (vm_id=?)`: a look-up, not a walk.
      const names = new Set([table, ...aliasesOf(statement.sql, table)]);
      return planOf(statement).filter((detail) => {
        const search = /^SEARCH (\S+) USING .*INDEX \S+ \(.+\)/.exec(detail);
        return search !== null && names.has(search[1] ?? '');
      });
    },
    indexesOf: async (statement) =>
      planOf(statement).flatMap((detail) => /\bINDEX (\S+)/.exec(detail)?.slice(1, 2) ?? []),
  };
}

/** The aliases `table` goes by in a statement (`from vms v`, `join vms as v2`). */
function aliasesOf(source: string, table: string): string[] {
  const pattern = new RegExp(`\\b(?:from|join)\\s+${table}\\s+(?:as\\s+)?(\\w+)`, 'gi');
  const keywords = new Set(['on', 'where', 'join', 'left', 'cross', 'inner', 'group', 'order', 'limit']);
  return [...source.matchAll(pattern)]
    .map((match) => match[1] ?? '')
    .filter((alias) => !keywords.has(alias.toLowerCase()));
}

/** `SCAN vms`, not `SCAN vms USING INDEX …`, a virtual table (json_each), a constant row or a subquery. */
function isWholeTableScan(detail: string): boolean {
  const scan = /^SCAN (\S+)(.*)$/.exec(detail);
  if (!scan) return false;
  const [, table = '', rest = ''] = scan;
  return !/USING|VIRTUAL TABLE/.test(rest) && table !== 'CONSTANT' && !table.startsWith('(');
}

type QueryArgs = [string | { text: string; values?: unknown[] }, unknown[]?];

/** Records every statement sent to the PostgreSQL pool (and the clients it lends) until `stop()`. */
function capturePostgres(database: Extract<ProcessDatabase, { kind: 'postgres' }>): StatementCapture {
  const pool = database.pg.pool;
  const captured: CapturedStatement[] = [];
  const record = (args: QueryArgs) => {
    const [query, values] = args;
    if (typeof query === 'string') captured.push({ sql: query, params: values ?? [] });
    else captured.push({ sql: query.text, params: query.values ?? values ?? [] });
  };
  const wrapped = new WeakSet<object>();
  const wrap = (client: { query: (...args: never[]) => unknown }) => {
    if (wrapped.has(client)) return;
    wrapped.add(client);
    const query = client.query;
    client.query = ((...args: QueryArgs) => {
      record(args);
      return (query as (...args: QueryArgs) => unknown).apply(client, args);
    }) as never;
  };
  const poolQuery = pool.query;
  const poolConnect = pool.connect;
  const connect = () => (poolConnect as () => Promise<pg.PoolClient>).call(pool);
  pool.query = ((...args: QueryArgs) => {
    record(args);
    return (poolQuery as (...args: QueryArgs) => unknown).apply(pool, args);
  }) as never;
  // Pool.query lends itself a client through connect(callback): recorded above, so passed through.
  pool.connect = ((callback?: unknown) => {
    if (callback) return (poolConnect as (callback: unknown) => void).call(pool, callback);
    return connect().then((client) => {
      wrap(client as unknown as { query: (...args: never[]) => unknown });
      return client;
    });
  }) as never;
  /** The statement's plan with sequential scans priced out, and the partial indexes' names. */
  const planOf = async (statement: CapturedStatement) => {
    const client = await connect();
    try {
      await client.query('begin');
      await client.query('set local enable_seqscan = off');
      const partialIndexes = await partialIndexesOf(client);
      const plan = await client.query(`explain (format json) ${statement.sql}`, statement.params);
      const [root] = (plan.rows[0] as { 'QUERY PLAN': { Plan: PgPlanNode }[] })['QUERY PLAN'];
      return { root: root?.Plan, partialIndexes };
    } finally {
      await client.query('rollback');
      client.release();
    }
  };
  return {
    captured,
    stop: () => {
      pool.query = poolQuery;
      pool.connect = poolConnect;
    },
    async wholeTableReads(statement) {
      const { root, partialIndexes } = await planOf(statement);
      return root ? wholeTableNodes(root, { partialIndexes, isLimited: false }) : [];
    },
    async walksOf(statement, tables) {
      const { root, partialIndexes } = await planOf(statement);
      return root ? wholeTableNodes(root, { partialIndexes, isLimited: false, tables }) : [];
    },
    async keyedReadsOf(statement, table) {
      const { root } = await planOf(statement);
      return root ? keyedNodes(root, table) : [];
    },
    async indexesOf(statement) {
      const { root } = await planOf(statement);
      return root ? indexNamesOf(root) : [];
    },
  };
}

function indexNamesOf(node: PgPlanNode): string[] {
  const own = node['Index Name'] ? [node['Index Name']] : [];
  return [...own, ...(node.Plans ?? []).flatMap(indexNamesOf)];
}

/** The nodes that read `table` through an index with a condition on its leading columns. */
function keyedNodes(node: PgPlanNode, table: string): string[] {
  const own =
    // A bitmap index scan names its index only, not the table.
    (node['Relation Name'] === table || node['Index Name']?.startsWith(`${table}_`)) &&
    /Index/.test(node['Node Type']) &&
    node['Index Cond'] !== undefined
      ? [`${node['Node Type']} using ${node['Index Name']} (${node['Index Cond']})`]
      : [];
  return [...own, ...(node.Plans ?? []).flatMap((child) => keyedNodes(child, table))];
}
