/**
 * The planning paths read the neighbourhood of what they plan, never the estate (DESIGN.md, "plans
 * made once"; docs/BENCHMARKS.md, previews and starts): every statement that backups.review,
 * backups.start, restores.preview and restores.start run for one VM is captured on the demo lab and
 * explained, and none may read a whole table. On SQLite a `SCAN <table>` without an index is a
 * whole-table read; on PostgreSQL, with sequential scans priced out (`enable_seqscan = off`), a
 * `Seq Scan` is left only where no index can serve the condition. A small lab plans the same way
 * on 20 VMs as on 20,000, so a statement that reads every row here is one that reads every row
 * there too: the bench only measures that, this names the statement.
 */

import type pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sqliteOf } from '../../../db/client';
import { type PgPlanNode, partialIndexesOf, wholeTableNodes } from '../../../db/pg/test-plan-reads';
import type { ProcessDatabase } from '../../../db/process-database';
import { DEMO_LAB_NAMES } from '../../../db/seed/demo-lab';
import { storeDialects } from '../../../db/stores/contract/dialects';
import type { BackupRequestInput } from '../../schemas/operations';
import { openDemoLabOn, rowsOf, type TestRows } from '../../test-rows';
import { signedIn } from '../../test-support';
import { createCaller } from '../root';

const dialects = await storeDialects('planning-index-use');

interface Captured {
  sql: string;
  params: unknown[];
}

const READS = /^\s*(select|with|update|delete|insert\s+into\s+\S+\s*(\([^)]*\)\s*)?select)\b/i;

/** Records every statement the SQLite connection runs until `stop()`. */
function captureSqlite(database: Extract<ProcessDatabase, { kind: 'sqlite' }>) {
  const connection = sqliteOf(database.db);
  const prepare = connection.prepare;
  const captured: Captured[] = [];
  connection.prepare = function (this: typeof connection, source: string) {
    const statement = prepare.call(this, source) as unknown as Record<string, unknown>;
    for (const method of ['all', 'get', 'run', 'iterate'] as const) {
      const original = statement[method] as (...args: unknown[]) => unknown;
      statement[method] = (...params: unknown[]) => {
        captured.push({ sql: source, params });
        return original.apply(statement, params);
      };
    }
    return statement;
  } as unknown as typeof connection.prepare;
  return {
    captured,
    stop: () => {
      connection.prepare = prepare;
    },
    /** The `SCAN <table>` lines of a statement's plan that use no index (json_each is no table). */
    wholeTableReads(statement: Captured): string[] {
      const explain = prepare.call(connection, `EXPLAIN QUERY PLAN ${statement.sql}`);
      const plan = (explain.all as (...params: unknown[]) => unknown[])(...statement.params) as {
        detail: string;
      }[];
      return plan.map((row) => row.detail).filter(isWholeTableScan);
    },
  };
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
function capturePostgres(database: Extract<ProcessDatabase, { kind: 'postgres' }>) {
  const pool = database.pg.pool;
  const captured: Captured[] = [];
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
  return {
    captured,
    stop: () => {
      pool.query = poolQuery;
      pool.connect = poolConnect;
    },
    async wholeTableReads(statement: Captured): Promise<string[]> {
      const client = await connect();
      try {
        await poolQueryOn(client, 'begin');
        await poolQueryOn(client, 'set local enable_seqscan = off');
        const partialIndexes = await partialIndexesOf(client);
        const plan = await client.query(`explain (format json) ${statement.sql}`, statement.params);
        const [root] = (plan.rows[0] as { 'QUERY PLAN': { Plan: PgPlanNode }[] })['QUERY PLAN'];
        return root ? wholeTableNodes(root.Plan, partialIndexes, false) : [];
      } finally {
        await poolQueryOn(client, 'rollback');
        client.release();
      }
    },
  };
}

function poolQueryOn(client: pg.PoolClient, text: string) {
  return client.query(text);
}

function requestFor(vmId: string): BackupRequestInput {
  return { scope: { kind: 'vms', vmIds: [vmId] }, consistencyPolicy: 'fallback', passthroughPolicy: 'skip' };
}

describe.each(dialects)('$name', (dialect) => {
  describe.skipIf(dialect.skip !== null)('planning paths', () => {
    let lab: Awaited<ReturnType<typeof openDemoLabOn>>;
    let rows: TestRows;
    beforeEach(async () => {
      lab = await openDemoLabOn(dialect);
      rows = rowsOf(lab.database);
    });
    afterEach(async () => {
      await lab.close();
    });

    /** The statements `calls` ran that read a whole table, each with the plan lines that say so. */
    async function wholeTableReadsOf(calls: () => Promise<unknown>): Promise<string[]> {
      const capture =
        lab.database.kind === 'sqlite' ? captureSqlite(lab.database) : capturePostgres(lab.database);
      try {
        await calls();
      } finally {
        capture.stop();
      }
      const reads = capture.captured.filter((statement) => READS.test(statement.sql));
      expect(reads.length).toBeGreaterThan(10);
      const found: string[] = [];
      for (const statement of reads) {
        const lines = await capture.wholeTableReads(statement);
        if (lines.length > 0) found.push(`${lines.join(', ')}: ${statement.sql.replace(/\s+/g, ' ')}`);
      }
      return [...new Set(found)];
    }

    const volumeScope = { kind: 'host-volume' as const, hostVolumeId: DEMO_LAB_NAMES.wsbVolumeId };

    it('a one-VM backup review and its start, and a volume review, read no whole table', async () => {
      const caller = createCaller(signedIn(lab.database));
      const found = await wholeTableReadsOf(async () => {
        const review = await caller.backups.review(requestFor('vm-sql-prod-01'));
        const started = await caller.backups.start({
          request: requestFor('vm-sql-prod-01'),
          acknowledgedWarnings: review.warningKeys,
          fingerprint: review.fingerprint,
        });
        expect(started.operationId).toMatch(/^op-/);
        // A volume's scope reads its VMs' neighbourhood the same way.
        await caller.backups.review({ ...requestFor('vm-sql-prod-01'), scope: volumeScope });
      });
      expect(found).toEqual([]);
    });

    it('a restore preview and start (as new, by VM and by volume point) read no whole table', async () => {
      const caller = createCaller(signedIn(lab.database));
      const base = {
        vmName: 'sql-prod-01',
        captureState: 'online' as const,
        consistency: 'application' as const,
        missingDisksJson: [],
        sizeBytes: 1024,
        createdAt: new Date('2026-11-01T02:00:00Z'),
      };
      await rows.insert('restorePoints', [
        {
          ...base,
          id: 'rp-index-vm',
          vmId: 'vm-sql-prod-01',
          hostId: 'host-hv-prod-01',
          method: 'hyperv-vss',
          heldDisksJson: ['vm-sql-prod-01-os'],
          repositoryPath: 'points/index-vm',
        },
        {
          ...base,
          id: 'rp-index-volume',
          vmId: 'vm-branch-fs-01',
          vmName: 'branch-fs-01',
          hostId: 'host-hv-branch-01',
          method: 'wsb-volume',
          hostVolumeId: DEMO_LAB_NAMES.wsbVolumeId,
          snapshotId: 'snap-index',
          heldDisksJson: [],
          repositoryPath: 'points/index-volume',
        },
      ]);
      let started = 0;
      const found = await wholeTableReadsOf(async () => {
        for (const restorePointId of ['rp-index-vm', 'rp-index-volume']) {
          const request = {
            restorePointId,
            mode: 'as-new' as const,
            newVmName: `restored-${restorePointId}`,
          };
          const preview = await caller.restores.preview(request);
          if (!preview.isRunnable) continue;
          await caller.restores.start({ request, fingerprint: preview.fingerprint });
          started += 1;
        }
      });
      expect(found).toEqual([]);
      expect(started).toBeGreaterThan(0);
    });
  });
});
