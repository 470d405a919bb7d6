/**
 * Whole-table reads in a PostgreSQL plan, for the tests that prove a path reads by index: with
 * sequential scans priced out (`enable_seqscan = off`), a `Seq Scan` is left only where no index
 * can serve the condition. Shared by the store tests (db/) and the call-level ones
 * (server/test-plan-reads.ts).
 */
import type pg from 'pg';

export interface PgPlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Index Cond'?: string;
  Plans?: PgPlanNode[];
}

export interface NodeFilter {
  partialIndexes: Set<string>;
  isLimited: boolean;
  /** Only these tables, however limited their walk. */
  tables?: readonly string[];
}

/** The partial indexes of the database: walking one whole reads only the rows it keeps. */
export async function partialIndexesOf(client: pg.PoolClient): Promise<Set<string>> {
  const partial = await client.query(`select indexname from pg_indexes where indexdef like '% WHERE %'`);
  return new Set((partial.rows as { indexname: string }[]).map((row) => row.indexname));
}

/**
 * The nodes that read a whole table: a sequential scan (left only where no index serves, seq scans
 * being priced out), or an index walked from end to end (no Index Cond: what the planner picks for
 * a filter no index serves when seq scans are off), unless a Limit stops it or the index is partial.
 * With `tables`, only walks of those tables count, a Limit above them notwithstanding.
 */
export function wholeTableNodes(node: PgPlanNode, filter: NodeFilter): string[] {
  const type = node['Node Type'];
  const { tables } = filter;
  const isLimited = tables === undefined && (filter.isLimited || type === 'Limit');
  const relation = node['Relation Name'];
  const own =
    (tables === undefined || (relation !== undefined && tables.includes(relation))) &&
    (type === 'Seq Scan' ||
      (/Index/.test(type) &&
        node['Index Cond'] === undefined &&
        !isLimited &&
        !filter.partialIndexes.has(node['Index Name'] ?? '')))
      ? [`${type} on ${relation ?? node['Index Name']}`]
      : [];
  return [...own, ...(node.Plans ?? []).flatMap((child) => wholeTableNodes(child, { ...filter, isLimited }))];
}
