/**
 * The migration that made room for readiness 'unconfirmed' at position 1 of READINESS (SQLite 0044,
 * PostgreSQL 0038) re-ranks the assessments an installation already has: the migrations before it
 * are applied, one VM of each readiness is assessed with the rank it had then, then the migration
 * runs. Every stored rank must be its readiness's position in READINESS again, or the VM list's
 * sort by readiness (on readiness_rank) would put saved-state VMs among the unconfirmed ones.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { getConfig } from '../server/config';
import { READINESS } from '../server/engine/types';
import { postgresForTests } from './pg/test-database';

/** Readiness and rank as stored before the migration: READINESS without 'unconfirmed'. */
const BEFORE = [
  ['online-ready', 0],
  ['saved-state-only', 1],
  ['crash-only', 2],
  ['partial', 3],
  ['blocked', 4],
] as const;

/** What the migration must leave: each readiness at its place in today's READINESS. */
const AFTER = BEFORE.map(([readiness]) => ({
  vm_id: `vm-${readiness}`,
  readiness_rank: READINESS.indexOf(readiness),
}));

/** The statements of each migration in a folder, in order, up to and including `last`. */
function migrationsUpTo(folder: string, last: string): string[][] {
  const names = readdirSync(path.join(import.meta.dirname, folder))
    .filter((name) => name.endsWith('.sql'))
    .sort();
  expect(names).toContain(last);
  return names.slice(0, names.indexOf(last) + 1).map((name) =>
    readFileSync(path.join(import.meta.dirname, folder, name), 'utf8')
      .split('--> statement-breakpoint')
      .filter((statement) => statement.trim() !== ''),
  );
}

const HOST = `insert into hosts (id, name, kind, version, has_vss_aware_product, offers_quiesced_snapshots)
  values ('hv1', 'hv-01', 'hyperv', '2022', true, false)`;
const vmInsert = (param: (i: number) => string) =>
  `insert into vms (id, name, host_id, os_family, power_state, applications, has_xen_vss_provider,
     has_freeze_scripts, daily_change_bytes, tags)
   values (${param(1)}, ${param(1)}, 'hv1', 'windows', 'running', '[]', false, false, 0, '[]')`;
const assessmentInsert = (param: (i: number) => string) =>
  `insert into vm_assessments (vm_id, readiness, readiness_rank, blocker_count, warning_count, info_count,
     finding_weight, plan_json)
   values (${param(1)}, ${param(2)}, ${param(3)}, 0, 0, 0, 0, '{}')`;

describe('the readiness rank migration', () => {
  it('SQLite: every stored rank is its readiness position in READINESS again', () => {
    const db = new Database(':memory:');
    db.pragma('foreign_keys = ON');
    const migrations = migrationsUpTo('migrations', '0044_readiness_unconfirmed.sql');
    for (const statements of migrations.slice(0, -1)) for (const statement of statements) db.exec(statement);
    db.exec(HOST);
    for (const [readiness, rank] of BEFORE) {
      db.prepare(vmInsert(() => '?')).run(`vm-${readiness}`, `vm-${readiness}`);
      db.prepare(assessmentInsert(() => '?')).run(`vm-${readiness}`, readiness, rank);
    }
    for (const statement of migrations.at(-1) ?? []) db.exec(statement);
    expect(
      db.prepare('select vm_id, readiness_rank from vm_assessments order by readiness_rank').all(),
    ).toEqual(AFTER);
    db.close();
  });

  it('PostgreSQL: every stored rank is its readiness position in READINESS again', async (context) => {
    if (!(await postgresForTests()).available) return context.skip();
    const serverUrl = getConfig().testPostgresUrl;
    const name = `migawka_test_readiness_rank_${process.pid}`;
    const admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.query(`CREATE DATABASE "${name}" TEMPLATE template0 ENCODING 'UTF8'`);
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    const client = new pg.Client({ connectionString: url.toString() });
    await client.connect();
    try {
      const migrations = migrationsUpTo('migrations-pg', '0038_readiness_unconfirmed.sql');
      for (const statements of migrations.slice(0, -1))
        for (const statement of statements) await client.query(statement);
      await client.query(HOST);
      for (const [readiness, rank] of BEFORE) {
        await client.query(
          vmInsert((i) => `$${i}`),
          [`vm-${readiness}`],
        );
        await client.query(
          assessmentInsert((i) => `$${i}`),
          [`vm-${readiness}`, readiness, rank],
        );
      }
      for (const statement of migrations.at(-1) ?? []) await client.query(statement);
      const { rows } = await client.query(
        'select vm_id, readiness_rank from vm_assessments order by readiness_rank',
      );
      expect(rows).toEqual(AFTER);
    } finally {
      await client.end();
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin.end();
    }
  });
});
