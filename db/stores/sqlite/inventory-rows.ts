/**
 * Whole-inventory reads and bulk writes on SQLite (synchronous: callers inside a transaction).
 *
 * Writes go through better-sqlite3 prepared statements (one per table, reused for every row):
 * importing or generating tens of thousands of objects is then bound by SQLite, not by query
 * building. Column names and value conversions (booleans, JSON) come from the drizzle table
 * definitions, so this file cannot disagree with db/schema.ts. Callers open the transaction.
 */
import { getTableColumns, getTableName, inArray, sql } from 'drizzle-orm';
import type { SQLiteColumn, SQLiteTable } from 'drizzle-orm/sqlite-core';
import type { VmAssessment } from '../../../server/engine/evaluate';
import type { Host, Inventory } from '../../../server/engine/inventory';
import { type Db, sqliteOf } from '../../client';
import {
  arrayVolumes,
  consistencyGroups,
  findings,
  guestVolumes,
  hosts,
  hostVolumes,
  storageArrays,
  virtualDisks,
  vmAssessments,
  vms,
} from '../../schema';
import { hypervConnections } from '../../schema-hyperv';
import { type AssessmentSummary, assessmentRows } from '../assessment-rows';
import type { InventoryCounts, InventorySection } from '../ports/inventory';
import { KEPT_ON_UPSERT } from '../upsert-policy';
import { withWsbTargets } from '../wsb-targets';
import { preparedIn } from './prepared';

type Section = InventorySection;

/** Tables in an order where every referenced row is written before the rows referring to it. */
export const INVENTORY_TABLES: readonly { section: Section; table: SQLiteTable }[] = [
  { section: 'hosts', table: hosts },
  { section: 'arrays', table: storageArrays },
  { section: 'consistencyGroups', table: consistencyGroups },
  { section: 'arrayVolumes', table: arrayVolumes },
  { section: 'hostVolumes', table: hostVolumes },
  { section: 'vms', table: vms },
  { section: 'virtualDisks', table: virtualDisks },
  { section: 'guestVolumes', table: guestVolumes },
];

/** Storage (insertion) order: the neighbourhood keeps it too, so plans over either agree. */
export const STORAGE_ORDER = sql`rowid`;

/** Hosts as the engine plans with them: with their WSB target state from their connection (wsb-targets.ts). */
export function withStoredWsbTargets<H extends Pick<Host, 'id' | 'connector'>>(db: Db, rows: readonly H[]) {
  // Compiled once per connection: every plan's neighbourhood reads it.
  const connections = preparedIn(db, 'hosts:wsb-target-connections', () =>
    db
      .select({
        hostId: hypervConnections.hostId,
        nodeHostIds: hypervConnections.nodeHostIds,
        wsbBackupTarget: hypervConnections.wsbBackupTarget,
      })
      .from(hypervConnections)
      .prepare(),
  );
  return withWsbTargets(rows, connections.all());
}

export function loadInventory(db: Db): Inventory {
  return {
    hosts: withStoredWsbTargets(db, db.select().from(hosts).orderBy(STORAGE_ORDER).all()),
    hostVolumes: db.select().from(hostVolumes).orderBy(STORAGE_ORDER).all(),
    vms: db.select().from(vms).orderBy(STORAGE_ORDER).all(),
    virtualDisks: db.select().from(virtualDisks).orderBy(STORAGE_ORDER).all(),
    guestVolumes: db.select().from(guestVolumes).orderBy(STORAGE_ORDER).all(),
    arrays: db.select().from(storageArrays).orderBy(STORAGE_ORDER).all(),
    arrayVolumes: db.select().from(arrayVolumes).orderBy(STORAGE_ORDER).all(),
    consistencyGroups: db.select().from(consistencyGroups).orderBy(STORAGE_ORDER).all(),
  };
}

export type { InventoryCounts };

export function countInventory(db: Db): InventoryCounts {
  const counts = {} as InventoryCounts;
  for (const { section, table } of INVENTORY_TABLES) {
    const name = tableName(table);
    counts[section] = (sqliteOf(db).prepare(`SELECT count(*) AS n FROM "${name}"`).get() as { n: number }).n;
  }
  return counts;
}

export function isInventoryEmpty(db: Db): boolean {
  return sqliteOf(db).prepare('SELECT 1 FROM hosts LIMIT 1').get() === undefined;
}

/** Deletes every inventory object and every persisted assessment. */
export function clearInventory(db: Db): void {
  // Children first; within the deferred-FK transaction the order only avoids needless SET NULL work.
  for (const table of [
    findings,
    vmAssessments,
    guestVolumes,
    virtualDisks,
    vms,
    hostVolumes,
    hosts,
    arrayVolumes,
    consistencyGroups,
    storageArrays,
  ]) {
    sqliteOf(db)
      .prepare(`DELETE FROM "${tableName(table)}"`)
      .run();
  }
}

export type WriteMode = 'insert' | 'upsert';

/**
 * Writes objects section by section. `upsert` replaces rows with the same id (merge import).
 * Foreign keys are deferred to commit so a volume may name a shadow-storage volume listed after it.
 */
export function writeInventory(db: Db, inventory: Partial<Inventory>, mode: WriteMode): void {
  sqliteOf(db).pragma('defer_foreign_keys = ON');
  for (const { section, table } of INVENTORY_TABLES) {
    const items = inventory[section];
    if (!items || items.length === 0) continue;
    const writer = rowWriter(db, table, mode);
    for (const item of items) writer(item as object);
  }
}

/** A prepared INSERT (or upsert) for one table; returns a function that writes one object. */
export function rowWriter(db: Db, table: SQLiteTable, mode: WriteMode): (item: object) => void {
  const columns = Object.entries(getTableColumns(table)) as [string, SQLiteColumn][];
  const names = columns.map(([, column]) => `"${column.name}"`);
  const updated = columns
    .filter(([key]) => key !== 'id' && !KEPT_ON_UPSERT.has(key))
    .map(([, column]) => `"${column.name}"`);
  const conflict =
    mode === 'upsert'
      ? ` ON CONFLICT("id") DO UPDATE SET ${updated.map((name) => `${name} = excluded.${name}`).join(', ')}`
      : '';
  const statement = sqliteOf(db).prepare(
    `INSERT INTO "${tableName(table)}" (${names.join(', ')}) VALUES (${names.map(() => '?').join(', ')})${conflict}`,
  );
  return (item) => {
    const record = item as Record<string, unknown>;
    statement.run(
      columns.map(([key, column]) => {
        const value = record[key] ?? (column.hasDefault ? column.default : undefined);
        return value === null || value === undefined ? null : column.mapToDriverValue(value);
      }),
    );
  };
}

/** Replaces every stored assessment and finding with `assessments` (covering the whole `inventory`). */
export function writeAssessments(
  db: Db,
  inventory: Inventory,
  assessments: readonly VmAssessment[],
): AssessmentSummary {
  sqliteOf(db).prepare('DELETE FROM findings').run();
  sqliteOf(db).prepare('DELETE FROM vm_assessments').run();
  const writeAssessment = rowWriter(db, vmAssessments, 'insert');
  const writeFinding = rowWriter(db, findings, 'insert');
  let findingCount = 0;
  for (const rows of assessmentRows(inventory, assessments)) {
    writeAssessment(rows.assessment);
    for (const finding of rows.findings) writeFinding(finding);
    findingCount += rows.findings.length;
  }
  return { assessedVms: assessments.length, findings: findingCount };
}

/** Rewrites the assessments (and findings) of these VMs only; call inside a transaction. */
export function replaceVmAssessments(
  db: Db,
  inventory: Inventory,
  assessments: readonly VmAssessment[],
): AssessmentSummary {
  const vmIds = assessments.map((assessment) => assessment.vmId);
  if (vmIds.length === 0) return { assessedVms: 0, findings: 0 };
  db.delete(findings).where(inArray(findings.vmId, vmIds)).run();
  db.delete(vmAssessments).where(inArray(vmAssessments.vmId, vmIds)).run();
  const writeAssessment = rowWriter(db, vmAssessments, 'insert');
  const writeFinding = rowWriter(db, findings, 'insert');
  let findingCount = 0;
  for (const rows of assessmentRows(inventory, assessments)) {
    writeAssessment(rows.assessment);
    for (const finding of rows.findings) writeFinding(finding);
    findingCount += rows.findings.length;
  }
  return { assessedVms: assessments.length, findings: findingCount };
}

function tableName(table: SQLiteTable): string {
  return getTableName(table);
}
