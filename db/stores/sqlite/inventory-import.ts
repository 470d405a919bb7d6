/**
 * The inventory import on SQLite: ONE write transaction, with all the slow work done before it.
 *
 * An import must be atomic: a failure anywhere (a row the database refuses, a full disk, a crash,
 * a replace whose confirmation no longer matches) leaves the previous inventory fully intact.
 * Earlier the rows were written in bounded slices so no single transaction held SQLite's one write
 * lock for long; a failure mid-way then left the estate part-way (half the old VMs gone, new ones
 * missing, assessments of neither). That is worse than a short wait.
 *
 * Why one transaction and not a staging-table swap: much of what made the old single transaction hold
 * the lock for tens of seconds was CPU work inside it (validation against the stored estate, loading
 * the estate back, assessing every VM). That now runs before the lock, on a consistent read of the
 * estate (a WAL read takes no lock): the file is validated, the estate after the import is computed
 * in memory (a replace: the file; a merge: the stored estate updated by id), assessed, and turned
 * into rows. Under the lock only prepared-statement row writes remain; a swap from staging tables
 * would still have to copy every row into the real tables under the same lock, so it would save
 * little and add a second copy of the schema (most of the time under the lock is index upkeep in the
 * real tables, which a swap does too).
 *
 * The cost, measured on the 20,000-VM estate (about 126,000 estate rows, 20,000 assessments and
 * 30,000 findings) on a shared 2-core machine under heavy load (load average 8): the lock is held
 * about 8 s (estate ~4.8 s, assessments ~5.5 s when written apart); an idle machine does it several
 * times faster. A writer waiting longer than SQLite's busy timeout (5 s, db/client.ts) gets
 * SQLITE_BUSY; the worker retries its lease renewals, claims and step completions until the lock is
 * free (server/jobs/busy-retry.ts), so a backup beside the import waits but keeps its steps. Other
 * writers (an operator's request) get the error, so on a slow machine an import of tens of thousands
 * of VMs is best not run beside daily work; estates that size belong on PostgreSQL, whose MVCC lets readers and other writers go on
 * during the import's transaction. Atomicity wins over that availability: a half-replaced estate
 * cannot be told apart from a real one, a short wait can.
 *
 * What a replace deletes is read under the write lock and handed to `request.checkRemoval` before
 * any row is written: the service refuses there a replace the operator did not confirm as it is now.
 * A VM a concurrent writer adds between the read snapshot and the lock (a connector sync) stays after
 * a merge, without an assessment until the next one; a replace deletes it only if the removal check
 * accepts that (a confirmed preview did not include it, so it does not).
 */
import { getTableName } from 'drizzle-orm';
import {
  type InventoryRemoval,
  keepGoneMarks,
  mergeInventories,
  removalOf,
  type StoredIds,
} from '../../../server/engine/import-removal';
import type { Inventory } from '../../../server/engine/inventory';
import { type Db, sqliteOf } from '../../client';
import { findings, vmAssessments } from '../../schema';
import { inventoryImports } from '../../schema-operations';
import { assessmentRows } from '../assessment-rows';
import type { InventoryCounts, InventoryImportOutcome, InventoryImportRequest } from '../ports/inventory';
import {
  countInventory,
  INVENTORY_TABLES,
  loadInventory,
  rowWriter,
  withStoredWsbTargets,
  writeInventory,
} from './inventory-rows';

export interface AtomicImportOptions {
  /** Monotonic clock, to report how long the write lock was held. */
  now?: () => number;
}

export interface AtomicImportOutcome extends InventoryImportOutcome {
  /** How long the one write transaction held SQLite's write lock. */
  lockHeldMs: number;
}

export async function importInventoryAtomically(
  db: Db,
  request: InventoryImportRequest,
  options: AtomicImportOptions = {},
): Promise<AtomicImportOutcome> {
  const connection = sqliteOf(db);
  const now = options.now ?? (() => performance.now());
  // One read transaction: the sections agree with each other (WAL: no lock taken).
  const stored = connection.transaction(() => loadInventory(db)).deferred();
  const incoming = request.validate(request.mode === 'merge' ? stored : null);
  const merged =
    request.mode === 'replace' ? keepGoneMarks(stored, incoming) : mergeInventories(stored, incoming);
  // The file's hosts carry no WSB target state: each takes its connection's, as a load gives it.
  const whole = { ...merged, hosts: withStoredWsbTargets(db, merged.hosts) };
  const verdicts = [...assessmentRows(whole, request.assess(whole))];
  const imported = countsOf(incoming);

  const started = now();
  const outcome = connection
    .transaction((): InventoryImportOutcome => {
      // A volume may name a shadow-storage volume listed after it: references are checked at commit.
      connection.pragma('defer_foreign_keys = ON');
      const removal = request.mode === 'replace' ? removalOf(storedIds(db), incoming) : null;
      if (removal) request.checkRemoval?.(removal);
      writeInventory(db, incoming, 'upsert');
      if (removal) deleteRemoved(db, removal);

      if (request.assesses === 'some-vms') {
        // Only the assessed VMs' rows are replaced; every other VM keeps its stored assessment.
        const assessed = JSON.stringify(verdicts.map((rows) => rows.assessment.vmId));
        connection
          .prepare('DELETE FROM findings WHERE vm_id IN (SELECT value FROM json_each(?))')
          .run(assessed);
        connection
          .prepare('DELETE FROM vm_assessments WHERE vm_id IN (SELECT value FROM json_each(?))')
          .run(assessed);
      } else {
        connection.prepare('DELETE FROM findings').run();
        connection.prepare('DELETE FROM vm_assessments').run();
      }
      const writeAssessment = rowWriter(db, vmAssessments, 'insert');
      const writeFinding = rowWriter(db, findings, 'insert');
      let findingCount = 0;
      for (const rows of verdicts) {
        writeAssessment(rows.assessment);
        for (const finding of rows.findings) writeFinding(finding);
        findingCount += rows.findings.length;
      }
      db.insert(inventoryImports)
        .values({ ...request.record, mode: request.mode, countsJson: imported })
        .run();
      return {
        imported,
        stored: countInventory(db),
        assessment: { assessedVms: verdicts.length, findings: findingCount },
      };
    })
    .immediate();
  return { ...outcome, lockHeldMs: now() - started };
}

/** The ids of every stored object, per section (cheap: the primary-key index only). */
function storedIds(db: Db): StoredIds {
  const ids = {} as Record<keyof Inventory, { id: string }[]>;
  for (const { section, table } of INVENTORY_TABLES) {
    ids[section] = sqliteOf(db)
      .prepare(`SELECT id FROM "${getTableName(table)}"`)
      .all() as { id: string }[];
  }
  return ids;
}

/** Children before parents, so no row is first set null by its parent's deletion and then deleted. */
function deleteRemoved(db: Db, removal: InventoryRemoval): void {
  for (const { section, table } of [...INVENTORY_TABLES].reverse()) {
    if (removal[section].length === 0) continue;
    sqliteOf(db)
      .prepare(`DELETE FROM "${getTableName(table)}" WHERE id IN (SELECT value FROM json_each(?))`)
      .run(JSON.stringify(removal[section]));
  }
}

function countsOf(inventory: Inventory): InventoryCounts {
  return Object.fromEntries(
    Object.entries(inventory).map(([section, items]) => [section, items.length]),
  ) as InventoryCounts;
}
