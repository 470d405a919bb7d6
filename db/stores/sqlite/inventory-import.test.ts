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
import { importInventoryAtomically } from './inventory-import';
import { loadInventory } from './inventory-rows';

let workDir: string;
const opened: { close: () => unknown }[] = [];

beforeEach(() => {
  workDir = mkdtempSync(path.join(tmpdir(), 'migawka-atomic-import-'));
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

describe('importInventoryAtomically', () => {
  it.each([
    ['replace into an empty database', null, 'replace'],
    ['replace over another estate', other, 'replace'],
    ['merge over another estate', other, 'merge'],
  ] as const)('%s stores what the in-lock import stores', async (_what, before, mode) => {
    // The estate after a merge is computed in memory and assessed before the lock is taken; the
    // reference loads it back from the database inside its transaction. Both must store the same.
    const atomic = fileDatabase('atomic');
    const single = fileDatabase('single');
    const seed = before ? requestFor(before(), 'replace') : null;
    for (const { db } of [atomic, single]) if (seed) importInventoryRows(db, seed);
    const request = requestFor(small(), mode);

    const { lockHeldMs, ...outcome } = await importInventoryAtomically(atomic.db, request);

    expect(outcome).toEqual(importInventoryRows(single.db, request));
    expect(stored(atomic.db)).toEqual(stored(single.db));
    expect(lockHeldMs).toBeGreaterThanOrEqual(0);
  });

  it('the write lock is free while the import validates and assesses; readers see the old estate whole until it commits', async () => {
    const { db, file } = fileDatabase('atomic');
    importInventoryRows(db, requestFor(other(), 'replace'));
    const runner = new Database(file);
    opened.push(runner);
    const vmsBefore = runner.prepare('SELECT count(*) AS n FROM vms').get();
    // Read while the import runs its slow part (validation, assessment): the old estate, whole.
    const seenDuringAssessment: unknown[] = [];
    const request = requestFor(small(), 'replace');
    await importInventoryAtomically(db, {
      ...request,
      assess: (whole) => {
        seenDuringAssessment.push(runner.prepare('SELECT count(*) AS n FROM vms').get());
        // The write lock is free while the import assesses: a runner step claim goes through at once.
        runner.pragma('busy_timeout = 0');
        runner.exec('BEGIN IMMEDIATE; CREATE TABLE IF NOT EXISTS probe (at INTEGER); COMMIT');
        return request.assess(whole);
      },
    });
    expect(seenDuringAssessment).toEqual([vmsBefore]);
    expect(runner.prepare('SELECT count(*) AS n FROM vms').get()).toEqual({ n: small().vms.length });
  });

  it('writes nothing when validation refuses the file', async () => {
    const { db } = fileDatabase('atomic');
    importInventoryRows(db, requestFor(demoLabInventory(), 'replace'));
    const before = stored(db);
    const refusing: InventoryImportRequest = {
      ...requestFor(small(), 'replace'),
      validate: () => {
        throw new Error('the file has problems');
      },
    };
    await expect(importInventoryAtomically(db, refusing)).rejects.toThrow('the file has problems');
    expect(stored(db)).toEqual(before);
  });
});
