/**
 * The inventory import on SQLite, written in bounded transactions.
 *
 * SQLite has one write lock. An import of 90,000 VMs writes about a million rows (the estate, its
 * assessments and findings): in one transaction that held the lock for tens of seconds, and every
 * other writer — the runner claiming and renewing steps, a request starting a backup — waited
 * `busy_timeout` (5 s) and then failed with SQLITE_BUSY, blocking its own thread all the while.
 *
 * So nothing slow runs under the lock: the file is validated against a read snapshot, the stored
 * estate is assessed from a read after the write, and the rows are written in transactions of at
 * most `sliceMs` (one unit of at most a few hundred rows past it), each followed by a pause longer
 * than SQLite's longest busy-handler sleep (100 ms) so a waiting writer gets in between. Another
 * writer then waits at most one slice.
 *
 * What this gives up: while the rows are written, readers see the estate part-way (a replace
 * upserts the file's objects first and deletes the missing ones last, so an object in both the old
 * and the new estate never disappears), and a crash or a full disk mid-write leaves it part-way
 * until the import is run again (imports are idempotent). A file with any problem is refused by
 * validation before the first row is written, as before.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { getTableName } from 'drizzle-orm';
import type { Inventory } from '../../../server/engine/inventory';
import { type Db, sqliteOf } from '../../client';
import { findings, vmAssessments } from '../../schema';
import { inventoryImports } from '../../schema-operations';
import { assessmentRows } from '../assessment-rows';
import type { InventoryCounts, InventoryImportOutcome, InventoryImportRequest } from '../ports/inventory';
import { countInventory, INVENTORY_TABLES, loadInventory, rowWriter } from './inventory-rows';

export interface WriteSlicing {
  /** A transaction stops taking more units once it has run this long. */
  sliceMs: number;
  /** Between transactions, so writers waiting in SQLite's busy handler (≤ 100 ms sleeps) get in. */
  pauseMs: number;
  /** Monotonic clock for the slice budget. */
  now?: () => number;
  pause?: (ms: number) => Promise<void>;
}

export const DEFAULT_WRITE_SLICING: WriteSlicing = { sliceMs: 250, pauseMs: 110 };

/** How the write went: how many transactions, and the longest time one held the write lock. */
export interface SlicedWriteReport {
  transactions: number;
  longestTransactionMs: number;
  totalMs: number;
}

const ROWS_PER_UNIT = 500;
const VMS_PER_ASSESSMENT_UNIT = 200;

type Unit = () => void;

export async function importInventorySliced(
  db: Db,
  request: InventoryImportRequest,
  slicing: WriteSlicing = DEFAULT_WRITE_SLICING,
): Promise<InventoryImportOutcome & { write: SlicedWriteReport }> {
  const connection = sqliteOf(db);
  // One read transaction: the sections agree with each other (WAL: no lock taken).
  const stored = connection.transaction(() => loadInventory(db)).deferred();
  const incoming = request.validate(request.mode === 'merge' ? stored : null);
  const estate = await runSliced(
    db,
    estateUnits(db, incoming, request.mode === 'replace' ? stored : null),
    slicing,
  );

  const whole = connection.transaction(() => loadInventory(db)).deferred();
  const assessments = request.assess(whole);
  const imported = countsOf(incoming);
  let findingCount = 0;
  const record: Unit = () => {
    db.insert(inventoryImports)
      .values({ ...request.record, mode: request.mode, countsJson: imported })
      .run();
  };
  const verdicts = await runSliced(
    db,
    [
      ...assessmentUnits(db, whole, assessments, (written) => {
        findingCount += written;
      }),
      record,
    ],
    slicing,
  );
  return {
    imported,
    stored: countInventory(db),
    assessment: { assessedVms: assessments.length, findings: findingCount },
    write: {
      transactions: estate.transactions + verdicts.transactions,
      longestTransactionMs: Math.max(estate.longestTransactionMs, verdicts.longestTransactionMs),
      totalMs: estate.totalMs + verdicts.totalMs,
    },
  };
}

/** Runs the units in BEGIN IMMEDIATE transactions of about `sliceMs`, pausing between them. */
export async function runSliced(
  db: Db,
  units: Iterable<Unit>,
  slicing: WriteSlicing,
): Promise<SlicedWriteReport> {
  const connection = sqliteOf(db);
  const now = slicing.now ?? (() => performance.now());
  const pause = slicing.pause ?? ((ms: number) => sleep(ms).then(() => undefined));
  const iterator = units[Symbol.iterator]();
  let next = iterator.next();
  const report: SlicedWriteReport = { transactions: 0, longestTransactionMs: 0, totalMs: 0 };
  while (!next.done) {
    const started = now();
    connection
      .transaction(() => {
        // A volume may name a shadow-storage volume listed after it: checked at commit.
        connection.pragma('defer_foreign_keys = ON');
        do {
          next.value();
          next = iterator.next();
        } while (!next.done && now() - started < slicing.sliceMs);
      })
      .immediate();
    const held = now() - started;
    report.transactions++;
    report.longestTransactionMs = Math.max(report.longestTransactionMs, held);
    report.totalMs += held;
    if (!next.done) await pause(slicing.pauseMs);
  }
  return report;
}

/**
 * Upserts the file's objects, parents before children; for a replace, then deletes what the file
 * does not have, children before parents. Host volumes go in one unit: one may name another as
 * its shadow storage, and both must be there when the transaction commits.
 */
function* estateUnits(db: Db, incoming: Inventory, replacing: Inventory | null): Generator<Unit> {
  for (const { section, table } of INVENTORY_TABLES) {
    const write = rowWriter(db, table, 'upsert');
    const rows = incoming[section] as object[];
    const size = section === 'hostVolumes' ? Math.max(rows.length, 1) : ROWS_PER_UNIT;
    for (const chunk of chunks(rows, size)) yield () => chunk.forEach(write);
  }
  if (!replacing) return;
  for (const { section, table } of [...INVENTORY_TABLES].reverse()) {
    const keep = new Set(incoming[section].map((item) => item.id));
    const gone = replacing[section].map((item) => item.id).filter((id) => !keep.has(id));
    const remove = sqliteOf(db).prepare(
      `DELETE FROM "${getTableName(table)}" WHERE id IN (SELECT value FROM json_each(?))`,
    );
    for (const chunk of chunks(gone, ROWS_PER_UNIT)) yield () => remove.run(JSON.stringify(chunk));
  }
}

/** Replaces the assessment and findings of every VM, a few hundred VMs per unit. */
function* assessmentUnits(
  db: Db,
  whole: Inventory,
  assessments: Parameters<typeof assessmentRows>[1],
  countFindings: (written: number) => void,
): Generator<Unit> {
  const writeAssessment = rowWriter(db, vmAssessments, 'insert');
  const writeFinding = rowWriter(db, findings, 'insert');
  const connection = sqliteOf(db);
  const clearFindings = connection.prepare(
    'DELETE FROM findings WHERE vm_id IN (SELECT value FROM json_each(?))',
  );
  const clearAssessments = connection.prepare(
    'DELETE FROM vm_assessments WHERE vm_id IN (SELECT value FROM json_each(?))',
  );
  for (const chunk of chunks([...assessmentRows(whole, assessments)], VMS_PER_ASSESSMENT_UNIT)) {
    yield () => {
      const vmIds = JSON.stringify(chunk.map((rows) => rows.assessment.vmId));
      clearFindings.run(vmIds);
      clearAssessments.run(vmIds);
      for (const rows of chunk) {
        writeAssessment(rows.assessment);
        for (const finding of rows.findings) writeFinding(finding);
        countFindings(rows.findings.length);
      }
    };
  }
}

function* chunks<T>(items: readonly T[], size: number): Generator<T[]> {
  for (let start = 0; start < items.length; start += size) yield items.slice(start, start + size);
}

function countsOf(inventory: Inventory): InventoryCounts {
  return Object.fromEntries(
    Object.entries(inventory).map(([section, items]) => [section, items.length]),
  ) as InventoryCounts;
}
