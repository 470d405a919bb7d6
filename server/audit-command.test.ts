import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, sqliteOf } from '../db/client';
import { createSqliteStores } from '../db/stores/sqlite';
import { createServiceContext } from './context';
import { recordAudit } from './services/audit-service';
import { makeTempDir } from './test-support';

const repoRoot = path.resolve(import.meta.dirname, '..');
const dir = makeTempDir('audit-cli');
const dbPath = path.join(dir.path, 'migawka.db');
afterAll(dir.remove);

function migawka(args: string[]) {
  const result = spawnSync(process.execPath, [path.join(repoRoot, 'bin/migawka.mjs'), ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    env: { ...process.env, MIGAWKA_DATA_DIR: dir.path, MIGAWKA_DB_PATH: dbPath },
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Runs SQL on the database file as someone with the file would: the append-only triggers dropped first. */
function tamper(sql: string): void {
  const db = openDatabase(dbPath);
  const connection = sqliteOf(db);
  connection.exec(
    'drop trigger if exists audit_entries_no_update; drop trigger if exists audit_entries_no_delete;',
  );
  connection.exec(sql);
  connection.close();
}

function entryIdAt(seq: number): string {
  const db = openDatabase(dbPath);
  try {
    return (sqliteOf(db).prepare('select id from audit_entries where seq = ?').get(seq) as { id: string }).id;
  } finally {
    sqliteOf(db).close();
  }
}

beforeAll(async () => {
  const db = openDatabase(dbPath);
  const stores = createSqliteStores(db);
  let n = 0;
  const ctx = createServiceContext({
    now: () => new Date(Date.UTC(2026, 2, 1, 8, n)),
    newId: () => `entry-${++n}`,
  });
  for (const action of [
    'jobs.create',
    'backups.start',
    'restorePoints.delete',
    'jobs.delete',
    'secrets.create',
  ]) {
    await recordAudit(stores, ctx, { action, outcome: 'succeeded', input: { id: `x-${action}` } });
  }
  sqliteOf(db).close();
});

describe('migawka audit verify', () => {
  it('exits 0 on an intact trail', () => {
    const result = migawka(['audit', 'verify']);
    expect(result.stdout).toContain('Audit trail intact: 5 entries checked');
    expect(result.code).toBe(0);
  });

  it('names the entry an SQL UPDATE edited, and exits 1', () => {
    tamper("update audit_entries set outcome = 'refused' where seq = 3");
    const result = migawka(['audit', 'verify']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `Audit trail BROKEN at entry 3 (id ${entryIdAt(3)}, 2026-03-01T08:03:00.000Z, restorePoints.delete by system): its content does not match its hash (the entry was edited).`,
    );
    expect(result.stderr).toContain('The 2 entries before it are intact.');
    tamper("update audit_entries set outcome = 'succeeded' where seq = 3");
  });

  it('names the gap a deleted middle entry leaves, and exits 1', () => {
    tamper('delete from audit_entries where seq = 2');
    const result = migawka(['audit', 'verify']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /BROKEN at entry 3 \(id entry-3, .*\): entry 2 is missing \(deleted\) before it\./,
    );
  });

  it('catches a deleted entry even when the later ones are renumbered to close the gap', () => {
    tamper('update audit_entries set seq = seq - 1 where seq > 2');
    const result = migawka(['audit', 'verify']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('BROKEN at entry 2 (id entry-3');
  });
});
