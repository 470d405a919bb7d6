/**
 * SQLite migrations that copy a table to change a column (0042: a host volume's capacity and free
 * space and a disk's size may be unknown; 0043: a LUN's snapshot support may be unknown) keep what
 * an installation already has: every row, and every reference other tables hold to them. drizzle runs migrations in one transaction, where the
 * migration's own `PRAGMA foreign_keys=OFF` does nothing; `migrateDatabase` turns the keys off
 * around it, else dropping the old tables would null a VM's checkpoint volume and a guest volume's
 * disk.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { migrateDatabase } from './client';

const FOLDER = path.join(import.meta.dirname, 'migrations');
const directories: string[] = [];

afterEach(() => {
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

/** A copy of the migrations folder whose journal ends before `tag`. */
function migrationsBefore(tag: string): string {
  const directory = mkdtempSync(path.join(tmpdir(), 'migawka-migrations-'));
  directories.push(directory);
  cpSync(FOLDER, directory, { recursive: true });
  const journalFile = path.join(directory, 'meta/_journal.json');
  const journal = JSON.parse(readFileSync(journalFile, 'utf8')) as { entries: { tag: string }[] };
  const at = journal.entries.findIndex((entry) => entry.tag === tag);
  expect(at).toBeGreaterThan(0);
  journal.entries = journal.entries.slice(0, at);
  writeFileSync(journalFile, JSON.stringify(journal));
  return directory;
}

/** A database in memory, with foreign keys on, migrated up to the migration `tag` (not included). */
function databaseMigratedBefore(tag: string) {
  const connection = new Database(':memory:');
  connection.pragma('foreign_keys = ON');
  const db = drizzle(connection);
  migrateDatabase(db, migrationsBefore(tag));
  return { connection, db };
}

/** Inserts a row giving every required column a value of its type, then the given ones. */
function insert(connection: Database.Database, table: string, values: Record<string, unknown>): void {
  const columns = connection
    .prepare(`select name, type, "notnull", dflt_value from pragma_table_info(?)`)
    .all(table) as {
    name: string;
    type: string;
    notnull: number;
    dflt_value: unknown;
  }[];
  const row: Record<string, unknown> = {};
  for (const column of columns) {
    if (column.notnull && column.dflt_value === null) {
      row[column.name] =
        column.type.toLowerCase() === 'integer' ? 0 : column.name.endsWith('json') ? '[]' : 'x';
    }
  }
  Object.assign(row, values);
  const names = Object.keys(row);
  connection
    .prepare(`insert into ${table} (${names.join(', ')}) values (${names.map(() => '?').join(', ')})`)
    .run(...names.map((name) => row[name]));
}

describe('the unread-sizes migration (SQLite 0042)', () => {
  it('keeps every host volume and disk, and the references a VM and a guest volume hold to them', () => {
    const { connection, db } = databaseMigratedBefore('0042_unread_sizes');
    insert(connection, 'hosts', { id: 'hv1', name: 'hv-prod-01', kind: 'hyperv' });
    insert(connection, 'host_volumes', {
      id: 'e',
      host_id: 'hv1',
      name: 'E:',
      size_bytes: 100,
      free_bytes: 40,
    });
    insert(connection, 'host_volumes', {
      id: 'd',
      host_id: 'hv1',
      name: 'D:',
      size_bytes: 200,
      free_bytes: 50,
      shadow_storage_volume_id: 'e',
    });
    insert(connection, 'vms', {
      id: 'vm1',
      host_id: 'hv1',
      name: 'sql-01',
      applications: '[]',
      tags: '[]',
      snapshot_location_volume_id: 'e',
    });
    insert(connection, 'virtual_disks', {
      id: 'disk1',
      vm_id: 'vm1',
      name: 'sql-01.vhdx',
      kind: 'vhdx',
      size_bytes: 64,
      host_volume_id: 'd',
    });
    insert(connection, 'guest_volumes', { id: 'gv1', vm_id: 'vm1', mount_point: 'C:', disk_id: 'disk1' });

    migrateDatabase(db, FOLDER);

    const one = (statement: string) => connection.prepare(statement).get();
    expect(one(`select snapshot_location_volume_id as volume from vms where id = 'vm1'`)).toEqual({
      volume: 'e',
    });
    expect(one(`select disk_id as disk from guest_volumes where id = 'gv1'`)).toEqual({ disk: 'disk1' });
    expect(
      one(
        `select shadow_storage_volume_id as storage, size_bytes as size, free_bytes as free from host_volumes where id = 'd'`,
      ),
    ).toEqual({
      storage: 'e',
      size: 200,
      free: 50,
    });
    expect(
      one(`select host_volume_id as volume, size_bytes as size from virtual_disks where id = 'disk1'`),
    ).toEqual({ volume: 'd', size: 64 });
    expect(connection.pragma('foreign_keys', { simple: true })).toBe(1);
    // What the migration is for: a size that was not read is stored as unknown.
    connection.prepare(`update virtual_disks set size_bytes = null where id = 'disk1'`).run();
    connection.prepare(`update host_volumes set size_bytes = null, free_bytes = null where id = 'd'`).run();
    expect(one(`select count(*) as n from host_volumes where free_bytes is null`)).toEqual({ n: 1 });
    connection.close();
  });
});

describe('the unread LUN snapshot support migration (SQLite 0043)', () => {
  it('keeps every LUN, its value, and the references a host volume and a disk hold to it', () => {
    const { connection, db } = databaseMigratedBefore('0043_lun_snapshot_support_unread');
    insert(connection, 'storage_arrays', { id: 'fas01', name: 'netapp-fas01', vendor: 'netapp' });
    insert(connection, 'array_volumes', {
      id: 'lun1',
      array_id: 'fas01',
      name: 'lun_vm',
      supports_snapshots: 1,
    });
    insert(connection, 'array_volumes', {
      id: 'lun2',
      array_id: 'fas01',
      name: 'lun_pt',
      supports_snapshots: 0,
    });
    insert(connection, 'hosts', { id: 'hv1', name: 'hv-prod-01', kind: 'hyperv' });
    insert(connection, 'host_volumes', { id: 'd', host_id: 'hv1', name: 'D:', array_volume_id: 'lun1' });
    insert(connection, 'vms', { id: 'vm1', host_id: 'hv1', name: 'sql-01', applications: '[]', tags: '[]' });
    insert(connection, 'virtual_disks', {
      id: 'disk1',
      vm_id: 'vm1',
      name: 'PhysicalDisk2',
      kind: 'passthrough',
      array_volume_id: 'lun2',
    });

    migrateDatabase(db, FOLDER);

    const all = (statement: string) => connection.prepare(statement).all();
    expect(all(`select id, supports_snapshots as snapshots from array_volumes order by id`)).toEqual([
      { id: 'lun1', snapshots: 1 },
      { id: 'lun2', snapshots: 0 },
    ]);
    expect(all(`select array_volume_id as lun from host_volumes`)).toEqual([{ lun: 'lun1' }]);
    expect(all(`select array_volume_id as lun from virtual_disks`)).toEqual([{ lun: 'lun2' }]);
    expect(connection.pragma('foreign_keys', { simple: true })).toBe(1);
    // What the migration is for: a LUN whose state the array did not report is stored as unknown.
    connection.prepare(`update array_volumes set supports_snapshots = null where id = 'lun1'`).run();
    expect(all(`select id from array_volumes where supports_snapshots is null`)).toEqual([{ id: 'lun1' }]);
    connection.close();
  });
});
