/**
 * The migration that added readiness 'unconfirmed' at position 1 of READINESS (SQLite 0044,
 * PostgreSQL 0038) carries over the assessments an installation already has: the migrations before
 * it are applied, VMs are assessed as they were then (readiness, rank, recommended option, one
 * finding), then the migration runs. An online Hyper-V writer resting on unread guest facts becomes
 * 'unconfirmed' at once (as evaluate.ts readinessOf now gives it), nothing else changes readiness,
 * and every rank is its readiness's position in READINESS again, or the VM list's sort by readiness
 * (on readiness_rank) would put saved-state VMs among the unconfirmed ones.
 */
import Database from 'better-sqlite3';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { READINESS, type Readiness } from '../server/engine/types';
import { migrationsUpTo } from './migration-statements';
import { createTestDatabase, postgresForTests } from './pg/test-database';

type OldReadiness = Exclude<Readiness, 'unconfirmed'>;
/** Ranks as stored before the migration: READINESS without 'unconfirmed'. */
const OLD_RANK: Record<OldReadiness, number> = {
  'online-ready': 0,
  'saved-state-only': 1,
  'crash-only': 2,
  partial: 3,
  blocked: 4,
};

/** A stored assessment before the migration, and the readiness it must have after. */
const ASSESSMENTS: {
  vm: string;
  readiness: OldReadiness;
  method: string | null;
  capture: string | null;
  finding: [rule: string, severity: string] | null;
  after: Readiness;
}[] = [
  {
    vm: 'ready',
    readiness: 'online-ready',
    method: 'hyperv-vss',
    capture: 'online',
    finding: null,
    after: 'online-ready',
  },
  {
    vm: 'unread-guest',
    readiness: 'online-ready',
    method: 'hyperv-vss',
    capture: 'online',
    finding: ['HV-GUEST-FACTS-UNKNOWN', 'warning'],
    after: 'unconfirmed',
  },
  {
    vm: 'no-guest-volumes',
    readiness: 'online-ready',
    method: 'wsb-volume',
    capture: 'online',
    finding: ['HV-GUEST-VSS-DISABLED', 'info'],
    after: 'unconfirmed',
  },
  {
    vm: 'integration-unreported',
    readiness: 'online-ready',
    method: 'hyperv-vss',
    capture: 'online',
    finding: ['HV-BACKUP-IC-MISSING', 'info'],
    after: 'unconfirmed',
  },
  {
    vm: 'vss-read-off',
    readiness: 'online-ready',
    method: 'hyperv-vss',
    capture: 'online',
    finding: ['HV-GUEST-VSS-DISABLED', 'warning'],
    after: 'online-ready',
  },
  {
    vm: 'array-on-unread-guest',
    readiness: 'online-ready',
    method: 'array-snapshot',
    capture: 'online',
    finding: ['HV-GUEST-FACTS-UNKNOWN', 'warning'],
    after: 'online-ready',
  },
  {
    vm: 'off-unread-guest',
    readiness: 'online-ready',
    method: 'hyperv-vss',
    capture: 'offline',
    finding: ['HV-GUEST-FACTS-UNKNOWN', 'info'],
    after: 'online-ready',
  },
  {
    vm: 'saved-state',
    readiness: 'saved-state-only',
    method: 'hyperv-vss',
    capture: 'saved-state',
    finding: ['HV-GUEST-FACTS-UNKNOWN', 'warning'],
    after: 'saved-state-only',
  },
  {
    vm: 'crash',
    readiness: 'crash-only',
    method: 'xen-snapshot',
    capture: 'online',
    finding: null,
    after: 'crash-only',
  },
  {
    vm: 'partial',
    readiness: 'partial',
    method: 'hyperv-vss',
    capture: 'online',
    finding: null,
    after: 'partial',
  },
  { vm: 'blocked', readiness: 'blocked', method: null, capture: null, finding: null, after: 'blocked' },
];

const EXPECTED = ASSESSMENTS.map(({ vm, after }) => ({
  vm_id: vm,
  readiness: after,
  readiness_rank: READINESS.indexOf(after),
})).sort((a, b) => a.vm_id.localeCompare(b.vm_id));

const HOST = `insert into hosts (id, name, kind, version, has_vss_aware_product, offers_quiesced_snapshots)
  values ('hv1', 'hv-01', 'hyperv', '2022', true, false)`;
/** The statements writing one assessment, with their parameters, in the dialect's placeholders. */
function rowsOf(row: (typeof ASSESSMENTS)[number], param: (i: number) => string): [string, unknown[]][] {
  const statements: [string, unknown[]][] = [
    [
      `insert into vms (id, name, host_id, os_family, power_state, applications, has_xen_vss_provider,
         has_freeze_scripts, daily_change_bytes, tags)
       values (${param(1)}, ${param(2)}, 'hv1', 'windows', 'running', '[]', false, false, 0, '[]')`,
      [row.vm, row.vm],
    ],
    [
      `insert into vm_assessments (vm_id, readiness, readiness_rank, recommended_method, capture_state,
         blocker_count, warning_count, info_count, finding_weight, plan_json)
       values (${param(1)}, ${param(2)}, ${param(3)}, ${param(4)}, ${param(5)}, 0, 0, 0, 0, '{}')`,
      [row.vm, row.readiness, OLD_RANK[row.readiness], row.method, row.capture],
    ],
  ];
  if (row.finding) {
    statements.push([
      `insert into findings (vm_id, host_id, rule_id, severity, severity_rank, message, remedy, methods_json,
         objects_json)
       values (${param(1)}, 'hv1', ${param(2)}, ${param(3)}, 0, 'm', 'r', '[]', '[]')`,
      [row.vm, ...row.finding],
    ]);
  }
  return statements;
}

const READ_BACK = 'select vm_id, readiness, readiness_rank from vm_assessments';
/** The rows read back in EXPECTED's order (the databases' own orders of ids may differ). */
const byVmId = (rows: { vm_id: string }[]) => rows.sort((a, b) => a.vm_id.localeCompare(b.vm_id));

describe('the readiness migration', () => {
  it('SQLite: unread guests become unconfirmed, and every rank is its readiness position again', () => {
    const db = new Database(':memory:');
    db.pragma('foreign_keys = ON');
    const migrations = migrationsUpTo('migrations', '0044_readiness_unconfirmed.sql');
    for (const statements of migrations.slice(0, -1)) for (const statement of statements) db.exec(statement);
    db.exec(HOST);
    for (const row of ASSESSMENTS) {
      for (const [statement, params] of rowsOf(row, () => '?')) db.prepare(statement).run(...params);
    }
    for (const statement of migrations.at(-1) ?? []) db.exec(statement);
    expect(byVmId(db.prepare(READ_BACK).all() as { vm_id: string }[])).toEqual(EXPECTED);
    db.close();
  });

  it('PostgreSQL: unread guests become unconfirmed, and every rank is its readiness position again', async (context) => {
    if (!(await postgresForTests()).available) return context.skip();
    const database = await createTestDatabase('readiness', undefined, false);
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const migrations = migrationsUpTo('migrations-pg', '0038_readiness_unconfirmed.sql');
      for (const statements of migrations.slice(0, -1))
        for (const statement of statements) await client.query(statement);
      await client.query(HOST);
      for (const row of ASSESSMENTS) {
        for (const [statement, params] of rowsOf(row, (i) => `$${i}`)) await client.query(statement, params);
      }
      for (const statement of migrations.at(-1) ?? []) await client.query(statement);
      const { rows } = await client.query(READ_BACK);
      expect(byVmId(rows)).toEqual(EXPECTED);
    } finally {
      await client.end();
      await database.drop();
    }
  });
});
