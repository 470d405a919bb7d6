/**
 * Admission's statements on PostgreSQL read by index with any list they are given. They are named
 * prepared statements: after a few runs on a connection PostgreSQL may keep one generic plan,
 * made without the values, so that plan is the one explained here (`plan_cache_mode =
 * force_generic_plan`), with sequential scans priced out as in
 * server/trpc/routers/planning-index-use.test.ts. A (kind, ref) pair list read with unnest must
 * still look each pair up in admission_keys' (kind, ref, is_running, …) index.
 */
import { fillPlaceholders } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { type PgPlanNode, partialIndexesOf, wholeTableNodes } from '../../pg/test-plan-reads';
import { storeDialects } from '../contract/dialects';
import * as statements from './admission-statements';
import { inPgTransaction, type PgTx } from './transaction';

const postgres = (await storeDialects('admission-statements')).find(
  (dialect) => dialect.name === 'PostgreSQL',
);
if (!postgres) throw new Error('the PostgreSQL dialect is missing');

/** One value per placeholder name the statements use; lists of more than one value. */
const SAMPLE: Record<string, unknown> = {
  operationId: 'op-1',
  ids: ['op-1', 'op-2', 'op-3'],
  keys: ['vm:a', 'vm:b'],
  kinds: ['host', 'array', 'lock'],
  refs: ['h1', 'a1', 'vm:a'],
  limit: 50,
  now: new Date('2026-11-01T02:00:00Z'),
  reason: 'waits',
};

interface Built {
  rawQueryConfig: { text: string };
  params: unknown[];
}

/** Every statement of admission-statements.ts, by name, as Drizzle prepared it on `tx`. */
function everyStatement(tx: PgTx): [string, Built][] {
  const makers = {
    ...Object.fromEntries(Object.entries(statements).filter(([, value]) => typeof value === 'function')),
    ...Object.fromEntries(
      Object.entries(statements.nameStatements).map(([key, make]) => [`names.${key}`, make]),
    ),
  } as Record<string, (tx: PgTx) => unknown>;
  return Object.entries(makers).map(([name, make]) => [name, make(tx) as Built]);
}

/** A value as an SQL literal (text PostgreSQL casts to the parameter's type). */
function literal(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  const text = Array.isArray(value)
    ? `{${value.map((item) => `"${String(item).replace(/["\\]/g, '\\$&')}"`).join(',')}}`
    : value instanceof Date
      ? value.toISOString()
      : String(value);
  return `'${text.replace(/'/g, "''")}'`;
}

describe.skipIf(postgres.skip !== null)('PostgreSQL admission statements', () => {
  it('read no whole table in their generic plans', async () => {
    const handle = await postgres.open();
    try {
      if (handle.dialect !== 'postgres') throw new Error('expected PostgreSQL');
      const built = await inPgTransaction(handle.pg.db, async (tx) => everyStatement(tx));
      expect(built.length).toBeGreaterThan(20);
      const client = await handle.pg.pool.connect();
      const found: string[] = [];
      try {
        const partialIndexes = await partialIndexesOf(client);
        for (const [name, statement] of built) {
          const values = fillPlaceholders(statement.params, SAMPLE);
          await client.query('begin');
          let isPrepared = false;
          try {
            await client.query('set local enable_seqscan = off');
            await client.query('set local plan_cache_mode = force_generic_plan');
            await client.query(`prepare explained as ${statement.rawQueryConfig.text}`);
            isPrepared = true;
            const plan = await client.query(
              `explain (format json) execute explained(${values.map(literal).join(', ')})`,
            );
            const [root] = (plan.rows[0] as { 'QUERY PLAN': { Plan: PgPlanNode }[] })['QUERY PLAN'];
            const lines = root ? wholeTableNodes(root.Plan, { partialIndexes, isLimited: false }) : [];
            if (lines.length > 0) found.push(`${name}: ${lines.join(', ')}`);
          } finally {
            await client.query('rollback');
            // A prepared statement outlives the transaction that made it.
            if (isPrepared) await client.query('deallocate explained');
          }
        }
      } finally {
        client.release();
      }
      expect(found).toEqual([]);
    } finally {
      await handle.close();
    }
  });
});
