/**
 * Whole-inventory reads and bulk writes on PostgreSQL (callers hold the transaction). Rows go in
 * multi-row INSERTs of a few hundred rows (node-postgres binds at most 65,535 parameters per
 * statement); column names and value conversions come from the drizzle tables, as on SQLite.
 * Storage order is the hidden `storage_seq` identity column (SQLite's rowid): an upsert keeps a
 * row's place, a new row goes last.
 */
import { count, getTableColumns, inArray, sql } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { VmAssessment } from '../../../server/engine/evaluate';
import type { Host, Inventory } from '../../../server/engine/inventory';
import type { PgDb } from '../../pg/client';
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
} from '../../pg/schema';
import { hypervConnections } from '../../pg/schema-hyperv';
import { type AssessmentSummary, assessmentRows } from '../assessment-rows';
import type { InventoryCounts, InventorySection } from '../ports/inventory';
import { KEPT_ON_UPSERT } from '../upsert-policy';
import { withWsbTargets } from '../wsb-targets';

type Executor = Pick<PgDb, 'select' | 'insert' | 'delete' | 'execute'>;
type InventoryTable = PgTable & { id: PgColumn };

/** Tables in an order where every referenced row is written before the rows referring to it. */
export const INVENTORY_TABLES: readonly { section: InventorySection; table: InventoryTable }[] = [
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
export const STORAGE_ORDER = sql`storage_seq`;

const ROWS_PER_STATEMENT = 500;

/** Hosts as the engine plans with them: with their WSB target state from their connection (wsb-targets.ts). */
export async function withStoredWsbTargets<H extends Pick<Host, 'id' | 'connector'>>(
  db: Pick<PgDb, 'select'>,
  rows: readonly H[],
) {
  const connections = await db
    .select({
      hostId: hypervConnections.hostId,
      nodeHostIds: hypervConnections.nodeHostIds,
      wsbBackupTarget: hypervConnections.wsbBackupTarget,
    })
    .from(hypervConnections);
  return withWsbTargets(rows, connections);
}

export async function loadInventory(db: Pick<PgDb, 'select'>): Promise<Inventory> {
  return {
    hosts: await withStoredWsbTargets(db, await db.select().from(hosts).orderBy(STORAGE_ORDER)),
    hostVolumes: await db.select().from(hostVolumes).orderBy(STORAGE_ORDER),
    vms: await db.select().from(vms).orderBy(STORAGE_ORDER),
    virtualDisks: await db.select().from(virtualDisks).orderBy(STORAGE_ORDER),
    guestVolumes: await db.select().from(guestVolumes).orderBy(STORAGE_ORDER),
    arrays: await db.select().from(storageArrays).orderBy(STORAGE_ORDER),
    arrayVolumes: await db.select().from(arrayVolumes).orderBy(STORAGE_ORDER),
    consistencyGroups: await db.select().from(consistencyGroups).orderBy(STORAGE_ORDER),
  };
}

export async function countInventory(db: Pick<PgDb, 'select'>): Promise<InventoryCounts> {
  const counts = {} as InventoryCounts;
  for (const { section, table } of INVENTORY_TABLES) {
    const [row] = await db.select({ n: count() }).from(table);
    counts[section] = row?.n ?? 0;
  }
  return counts;
}

export async function isInventoryEmpty(db: Pick<PgDb, 'select'>): Promise<boolean> {
  const rows = await db.select({ id: hosts.id }).from(hosts).limit(1);
  return rows.length === 0;
}

export type WriteMode = 'insert' | 'upsert';

function* chunks<T>(items: readonly T[], size: number): Generator<T[]> {
  for (let start = 0; start < items.length; start += size) yield items.slice(start, start + size);
}

/** Inserts (or, `upsert`, replaces by id) rows of one table, a statement per few hundred rows. */
export async function writeRows(
  db: Executor,
  table: InventoryTable,
  rows: readonly object[],
  mode: WriteMode,
) {
  // goneSince is the syncs' to set and clear (markGoneVms): an upsert leaves it as stored.
  const columns = Object.entries(getTableColumns(table)).filter(
    ([key]) => key !== 'id' && !KEPT_ON_UPSERT.has(key),
  );
  const set = Object.fromEntries(columns.map(([key, column]) => [key, sql.raw(`excluded."${column.name}"`)]));
  for (const chunk of chunks(rows, ROWS_PER_STATEMENT)) {
    const insert = db.insert(table).values(chunk as never[]);
    await (mode === 'upsert' ? insert.onConflictDoUpdate({ target: table.id, set }) : insert);
  }
}

/**
 * Writes objects section by section. The inventory's references are DEFERRABLE (db/migrations-pg):
 * they are checked at commit, so a volume may name a shadow-storage volume listed after it.
 */
export async function writeInventory(
  db: Executor,
  inventory: Partial<Inventory>,
  mode: WriteMode,
): Promise<void> {
  await db.execute(sql`set constraints all deferred`);
  for (const { section, table } of INVENTORY_TABLES) {
    const items = inventory[section];
    if (items && items.length > 0) await writeRows(db, table, items as object[], mode);
  }
}

/** Deletes, children first, the objects of `stored` that `incoming` does not have. */
export async function deleteMissing(db: Executor, stored: Inventory, incoming: Inventory): Promise<void> {
  for (const { section, table } of [...INVENTORY_TABLES].reverse()) {
    const keep = new Set(incoming[section].map((item) => item.id));
    const gone = stored[section].map((item) => item.id).filter((id) => !keep.has(id));
    for (const chunk of chunks(gone, ROWS_PER_STATEMENT))
      await db.delete(table).where(inArray(table.id, chunk));
  }
}

/** Rewrites the assessments (and findings) of these VMs only; call inside a transaction. */
export async function replaceVmAssessments(
  db: Executor,
  inventory: Inventory,
  assessments: readonly VmAssessment[],
): Promise<AssessmentSummary> {
  const vmIds = assessments.map((assessment) => assessment.vmId);
  if (vmIds.length === 0) return { assessedVms: 0, findings: 0 };
  await db.delete(findings).where(inArray(findings.vmId, vmIds));
  await db.delete(vmAssessments).where(inArray(vmAssessments.vmId, vmIds));
  const rows = [...assessmentRows(inventory, assessments)];
  await writeRows(
    db,
    vmAssessments as unknown as InventoryTable,
    rows.map((row) => row.assessment),
    'insert',
  );
  const findingRows = rows.flatMap((row) => row.findings);
  for (const chunk of chunks(findingRows, ROWS_PER_STATEMENT))
    await db.insert(findings).values(chunk as never[]);
  return { assessedVms: assessments.length, findings: findingRows.length };
}

/** Replaces every stored assessment and finding with `assessments` (covering the whole `inventory`). */
export async function writeAssessments(
  db: Executor,
  inventory: Inventory,
  assessments: readonly VmAssessment[],
): Promise<AssessmentSummary> {
  await db.delete(findings);
  await db.delete(vmAssessments);
  const rows = [...assessmentRows(inventory, assessments)];
  await writeRows(
    db,
    vmAssessments as unknown as InventoryTable,
    rows.map((row) => row.assessment),
    'insert',
  );
  const findingRows = rows.flatMap((row) => row.findings);
  for (const chunk of chunks(findingRows, ROWS_PER_STATEMENT))
    await db.insert(findings).values(chunk as never[]);
  return { assessedVms: assessments.length, findings: findingRows.length };
}
