/**
 * `migawka db copy`: an installation with an estate, a finished backup (steps, events, logs,
 * points), a secret and an audit trail moves into an empty PostgreSQL database table for table;
 * the audit chain verifies there, the protection figures are the same, and a non-empty target is
 * refused unless forced.
 */
import { getTableName, is, sql, Table } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { sqliteOf } from '../db/client';
import * as pgSchema from '../db/pg/schema';
import { storeDialects } from '../db/stores/contract/dialects';
import { CopyRefused, copySqliteToPostgres } from './db-copy';
import { createHarness } from './jobs/test-harness';
import { verifyAuditTrail } from './services/audit-service';

const dialects = await storeDialects('dbcopy');
const postgres = dialects.find((dialect) => dialect.name === 'PostgreSQL');
const tableNames = (Object.values(pgSchema) as unknown[])
  .filter((value): value is Table => is(value, Table))
  .map((table) => getTableName(table));

describe.skipIf(!postgres || postgres.skip !== null)('migawka db copy (SQLite → PostgreSQL)', () => {
  it('copies every table, keeps the audit chain verifiable, and refuses a non-empty target unless forced', async () => {
    const h = await createHarness();
    const target = await postgres?.open();
    if (target?.dialect !== 'postgres') throw new Error('expected PostgreSQL');
    try {
      const op = await h.enqueueBackup({
        scope: { kind: 'vms', vmIds: ['sql1'] },
        consistencyPolicy: 'fallback',
        passthroughPolicy: 'skip',
      });
      await h.tickUntilFinal(h.createWorker(), [op.id]);
      for (let n = 1; n <= 5; n++) {
        await h.stores.audit.append({
          id: `audit-${n}`,
          at: new Date(Date.UTC(2026, 2, 1, 10, n, 0, 123)),
          actorLabel: 'user:1',
          actorName: 'Ada Admin',
          actorRole: 'admin',
          action: n % 2 ? 'backups.start' : 'jobs.delete',
          objects: [{ kind: 'vm', id: 'sql1', name: 'sql1' }],
          input: { n, nested: { list: [1, 'two', null] } },
          outcome: 'succeeded',
          message: null,
          ip: '192.0.2.1',
          userAgent: 'test',
        });
      }
      const source = h.sqlite();
      const report = await copySqliteToPostgres(source, target.pg.db);

      const count = (name: string) =>
        (sqliteOf(source).prepare(`select count(*) as n from "${name}"`).get() as { n: number }).n;
      for (const name of tableNames) {
        const { rows } = await target.pg.db.execute(sql.raw(`select count(*)::int as n from "${name}"`));
        expect((rows[0] as { n: number }).n, name).toBe(count(name));
      }
      expect(report.tables.find((row) => row.table === 'restore_points')?.rows).toBeGreaterThan(0);
      expect(report.tables.find((row) => row.table === 'operation_events')?.rows).toBe(
        count('operation_events'),
      );

      const audit = await verifyAuditTrail(target.stores);
      expect(audit).toMatchObject({ ok: true, checked: 5 });
      const now = new Date('2026-03-02T00:00:00Z');
      expect(await target.stores.protection.countVmsByStatus(now)).toEqual(
        await h.stores.protection.countVmsByStatus(now),
      );
      expect(await target.stores.operations.get(op.id)).toEqual(await h.stores.operations.get(op.id));
      // New rows continue after the copied ids.
      const next = await target.stores.operations.appendEvent(
        op.id,
        'step.log',
        { stepKey: 'x', level: 'info', message: 'after' },
        now,
      );
      expect(next.id).toBe((await h.stores.operations.lastEventId()) + 1);

      await expect(copySqliteToPostgres(source, target.pg.db)).rejects.toThrow(CopyRefused);
      await expect(copySqliteToPostgres(source, target.pg.db)).rejects.toThrow(/not empty \(.*operations/);
      await copySqliteToPostgres(source, target.pg.db, { force: true });
      expect(await verifyAuditTrail(target.stores)).toMatchObject({ ok: true, checked: 5 });
      expect(await target.stores.operations.lastEventId()).toBe(await h.stores.operations.lastEventId());
    } finally {
      await target.close();
      await h.close();
    }
  }, 120_000);
});
