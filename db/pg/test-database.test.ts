/**
 * truncateAll, which every PostgreSQL test's open goes through: it must leave no row in any table
 * and every identity at its start, whatever references what, and fall back to TRUNCATE when the
 * foreign keys form a cycle (no order of DELETEs could then work).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { ensureDemoLabIn } from '../seed/ensure-demo-lab';
import type { NewAuditEntry } from '../stores/ports';
import { createPgStores } from '../stores/postgres';
import { openPgDatabase, type PgDatabase } from './client';
import {
  childrenFirst,
  createTestDatabase,
  postgresForTests,
  type TestDatabase,
  tablesWithParents,
  truncateAll,
} from './test-database';

const postgres = await postgresForTests();

const AUDIT_ENTRY: NewAuditEntry = {
  id: 'audit-1',
  at: new Date('2026-03-02T09:00:00Z'),
  actorLabel: 'ada@migawka.test',
  actorName: 'Ada',
  actorRole: 'admin',
  action: 'users.create',
  objects: [],
  input: null,
  outcome: 'succeeded',
  message: null,
  ip: null,
  userAgent: null,
};

async function rowCounts(database: PgDatabase): Promise<Record<string, number>> {
  const { rows } = await database.pool.query<{ name: string }>(
    `select tablename as name from pg_tables where schemaname = 'public' order by tablename`,
  );
  const counts: Record<string, number> = {};
  for (const { name } of rows) {
    const result = await database.pool.query<{ n: string }>(`select count(*) as n from "${name}"`);
    counts[name] = Number(result.rows[0].n);
  }
  return counts;
}

/** Each public sequence's next value, as nextval would give it (without taking it). */
async function nextValues(database: PgDatabase): Promise<Record<string, number>> {
  const { rows } = await database.pool.query<{ name: string; next: string }>(
    `select c.relname as name,
            coalesce(pg_sequence_last_value(c.oid) + s.seqincrement, s.seqstart) as next
       from pg_sequence s
       join pg_class c on c.oid = s.seqrelid
       join pg_namespace n on n.oid = c.relnamespace and n.nspname = 'public'`,
  );
  return Object.fromEntries(rows.map((row) => [row.name, Number(row.next)]));
}

describe('childrenFirst: the order truncateAll deletes in', () => {
  it.each([
    { tables: { a: [] }, order: ['a'] },
    { tables: { hosts: [], vms: ['hosts'], disks: ['vms', 'hosts'] }, order: ['disks', 'vms', 'hosts'] },
    { tables: { points: ['vms', 'jobs'], vms: [], jobs: [] }, order: ['points', 'jobs', 'vms'] },
    { tables: { a: ['b'], b: ['a'] }, order: null },
    { tables: { a: ['b'], b: ['c'], c: ['a'], d: [] }, order: null },
  ])('$tables → $order', ({ tables, order }) => {
    const rows = Object.entries(tables).map(([name, parents]) => ({ name, parents }));
    const found = childrenFirst(rows);
    if (order === null) return expect(found).toBeNull();
    expect(found).toHaveLength(order.length);
    // Whatever the tie-breaks, each table comes before every table it references.
    for (const { name, parents } of rows) {
      for (const parent of parents) {
        expect((found as string[]).indexOf(name)).toBeLessThan((found as string[]).indexOf(parent));
      }
    }
  });
});

describe.skipIf(!postgres.available)('truncateAll', () => {
  const databases: TestDatabase[] = [];
  afterAll(async () => {
    for (const database of databases) await database.drop();
  });

  it('empties every table of the demo lab, children before parents, and restarts every identity', async () => {
    const created = await createTestDatabase('truncate');
    databases.push(created);
    const database = await openPgDatabase(created.url, { skipMigrations: true, maxConnections: 2 });
    try {
      // The migrated schema has no cycle: every open deletes, none truncates.
      expect(childrenFirst(await tablesWithParents(database))).not.toBeNull();
      const fresh = await nextValues(database);
      expect(Object.keys(fresh).length).toBeGreaterThan(0);
      const stores = createPgStores(database.db);
      expect(await ensureDemoLabIn(stores, { seedDemo: true })).toBe(true);
      // The audit trail refuses a DELETE by trigger: it must be emptied all the same.
      await stores.audit.append(AUDIT_ENTRY);
      const seeded = await rowCounts(database);
      expect(seeded.audit_entries).toBe(1);
      // Rows in tables that reference others (VMs on hosts, disks of VMs): an order matters.
      expect(seeded).toMatchObject({ hosts: expect.any(Number), vms: expect.any(Number) });
      expect(seeded.vms).toBeGreaterThan(0);
      expect(seeded.virtual_disks).toBeGreaterThan(0);
      expect(await nextValues(database)).not.toEqual(fresh);

      await truncateAll(database);
      const emptied = await rowCounts(database);
      expect(Object.values(emptied).every((count) => count === 0)).toBe(true);
      expect(await nextValues(database)).toEqual(fresh);
      // Seeding again works as on a new database.
      expect(await ensureDemoLabIn(stores, { seedDemo: true })).toBe(true);
      expect(await rowCounts(database)).toEqual({ ...seeded, audit_entries: 0 });
      // …and the trail's trigger is back on.
      await expect(database.pool.query('delete from audit_entries')).resolves.toBeDefined();
      await stores.audit.append({ ...AUDIT_ENTRY, id: 'audit-2' });
      await expect(database.pool.query('delete from audit_entries')).rejects.toThrow();
    } finally {
      await database.close();
    }
  });

  it('falls back to TRUNCATE when foreign keys form a cycle', async () => {
    const created = await createTestDatabase('cycle');
    databases.push(created);
    const database = await openPgDatabase(created.url, { skipMigrations: true, maxConnections: 2 });
    try {
      await database.pool.query(`
        create table "a" (id integer generated always as identity primary key, b_id integer);
        create table "b" (id integer generated always as identity primary key, a_id integer references "a");
        alter table "a" add foreign key (b_id) references "b";
        insert into "a" default values;
        insert into "b" (a_id) values (1);
        update "a" set b_id = 1;`);
      await truncateAll(database);
      const counts = await rowCounts(database);
      expect(counts).toMatchObject({ a: 0, b: 0 });
      const { rows } = await database.pool.query<{ id: number }>(
        `insert into "a" default values returning id`,
      );
      expect(rows[0].id).toBe(1);
    } finally {
      await database.close();
    }
  });
});
