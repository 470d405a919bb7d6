import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { evaluateInventory } from '../../../server/engine/evaluate';
import type { Inventory } from '../../../server/engine/inventory';
import { type Db, openDatabase, sqliteOf } from '../../client';
import { demoLabInventory } from '../../seed/demo-lab';
import { generateLargeEstate } from '../../seed/large-estate';
import type { InventoryImportRequest } from '../ports/inventory';
import { importInventoryRows } from './inventory';
import { importInventorySliced } from './inventory-import';
import { loadInventory } from './inventory-rows';

let workDir: string;
const opened: { close: () => unknown }[] = [];

beforeEach(() => {
  workDir = mkdtempSync(path.join(tmpdir(), 'migawka-sliced-import-'));
});

afterEach(() => {
  for (const connection of opened.splice(0)) connection.close();
  rmSync(workDir, { recursive: true, force: true });
});

function fileDatabase(name: string): { db: Db; file: string } {
  const file = path.join(workDir, `${name}.db`);
  const db = openDatabase(file);
  opened.push(sqliteOf(db));
  return { db, file };
}

let imports = 0;

function requestFor(inventory: Inventory, mode: 'replace' | 'merge'): InventoryImportRequest {
  imports++;
  return {
    mode,
    validate: () => inventory,
    assess: evaluateInventory,
    record: { id: `import-${imports}`, createdAt: new Date(Date.UTC(2026, 0, 1)), requestedBy: 'system' },
  };
}

/** What an import leaves behind, independent of row order and row ids. */
function stored(db: Db) {
  const byId = <T extends { id: string }>(items: T[]) => [...items].sort((a, b) => a.id.localeCompare(b.id));
  const inventory = loadInventory(db);
  const connection = sqliteOf(db);
  return {
    inventory: Object.fromEntries(
      Object.entries(inventory).map(([section, items]) => [section, byId(items)]),
    ),
    assessments: connection.prepare('SELECT * FROM vm_assessments ORDER BY vm_id').all(),
    findings: connection
      .prepare('SELECT vm_id, host_id, rule_id, message FROM findings ORDER BY vm_id, rule_id, message')
      .all(),
    imports: connection.prepare('SELECT id, requested_by, mode, counts_json FROM inventory_imports').all(),
  };
}

const small = () => generateLargeEstate({ hosts: 12, vms: 300, seed: 11 });
const other = () => generateLargeEstate({ hosts: 10, vms: 250, seed: 12 });

describe('importInventorySliced', () => {
  it('lets another writer in between its transactions (it never waits past a slice)', async () => {
    const { db, file } = fileDatabase('sliced');
    sqliteOf(db).exec('CREATE TABLE probe (at INTEGER)');
    // Like the runner claiming a step, with no patience at all: it fails if the lock is held.
    const runner = new Database(file);
    opened.push(runner);
    runner.pragma('busy_timeout = 0');
    let pauses = 0;

    const outcome = await importInventorySliced(db, requestFor(small(), 'replace'), {
      sliceMs: 0,
      pauseMs: 0,
      pause: async () => {
        runner.exec(`BEGIN IMMEDIATE; INSERT INTO probe VALUES (${++pauses}); COMMIT`);
      },
    });

    expect(pauses).toBeGreaterThan(10);
    expect(outcome.write.transactions).toBe(pauses + 2);
    expect(runner.prepare('SELECT count(*) AS n FROM probe').get()).toEqual({ n: pauses });
  });

  it.each([
    ['replace into an empty database', null, 'replace'],
    ['replace over another estate', other, 'replace'],
    ['merge over another estate', other, 'merge'],
  ] as const)('%s stores what one transaction stores', async (_what, before, mode) => {
    const sliced = fileDatabase('sliced');
    const single = fileDatabase('single');
    const seed = before ? requestFor(before(), 'replace') : null;
    for (const { db } of [sliced, single]) if (seed) importInventoryRows(db, seed);
    const request = requestFor(small(), mode);

    const { write, ...outcome } = await importInventorySliced(sliced.db, request, { sliceMs: 0, pauseMs: 0 });

    expect(outcome).toEqual(importInventoryRows(single.db, request));
    expect(stored(sliced.db)).toEqual(stored(single.db));
    expect(write.transactions).toBeGreaterThan(2);
  });

  it('writes nothing when validation refuses the file', async () => {
    const { db } = fileDatabase('sliced');
    importInventoryRows(db, requestFor(demoLabInventory(), 'replace'));
    const before = stored(db);
    const refusing: InventoryImportRequest = {
      ...requestFor(small(), 'replace'),
      validate: () => {
        throw new Error('the file has problems');
      },
    };
    await expect(importInventorySliced(db, refusing, { sliceMs: 0, pauseMs: 0 })).rejects.toThrow(
      'the file has problems',
    );
    expect(stored(db)).toEqual(before);
  });
});
