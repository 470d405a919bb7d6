/**
 * InventoryStore on SQLite. better-sqlite3 is synchronous, so each method resolves at once; a
 * write is a `BEGIN IMMEDIATE` transaction; an import is one too, with its slow work (validation,
 * assessment) done before it takes the lock (inventory-import.ts).
 */
import { eq, inArray } from 'drizzle-orm';
import { keepGoneMarks, removalOf } from '../../../server/engine/import-removal';
import type { Inventory } from '../../../server/engine/inventory';
import { type Db, sqliteOf } from '../../client';
import { assessmentEngine, hosts, vms } from '../../schema';
import { inventoryImports } from '../../schema-operations';
import type { AssessmentSummary } from '../assessment-rows';
import type {
  InventoryCounts,
  InventoryImportOutcome,
  InventoryImportRequest,
  InventoryStore,
  ReassessVms,
} from '../ports/inventory';
import { countArrays, getArray, listArrays } from './inventory-arrays';
import { getDashboard, listFindings } from './inventory-findings';
import { countHostVolumes, getHostVolume, listHostVolumes } from './inventory-host-volumes';
import { countHosts, countVmsOnHosts, getHost, listHosts, listHostsOfConnectors } from './inventory-hosts';
import { importInventoryAtomically } from './inventory-import';
import { findVmsByName, loadNeighbourhood } from './inventory-neighbourhood';
import { listPoolMembers } from './inventory-pool-members';
import {
  clearInventory,
  countInventory,
  isInventoryEmpty,
  loadInventory,
  replaceVmAssessments,
  writeAssessments,
  writeInventory,
} from './inventory-rows';
import {
  countVms,
  findMethodPlan,
  getVm,
  listVms,
  markGoneVms,
  recordOperationCreatedVms,
} from './inventory-vms';

/**
 * Re-assesses these VMs from their neighbourhood as stored, inside the caller's write transaction:
 * read and written under the one write lock, no other connection changes the facts in between.
 */
function reassessIn(db: Db, vmIds: readonly string[], assess: ReassessVms): AssessmentSummary {
  const neighbourhood = loadNeighbourhood(db, vmIds);
  return replaceVmAssessments(db, neighbourhood, assess(neighbourhood));
}

/** The ids of every VM of these hosts, gone ones too (on the (host_id, name) index). */
function vmIdsOnHosts(db: Db, hostIds: readonly string[]): string[] {
  if (hostIds.length === 0) return [];
  return db
    .select({ id: vms.id })
    .from(vms)
    .where(inArray(vms.hostId, [...hostIds]))
    .all()
    .map((row) => row.id);
}

/** The key of assessment_engine's one row. */
const ESTATE = 'estate';

function countsOf(inventory: Inventory): InventoryCounts {
  return Object.fromEntries(
    Object.entries(inventory).map(([section, items]) => [section, items.length]),
  ) as InventoryCounts;
}

/**
 * The import in one transaction; synchronous, so a seed may run it inside its own transaction.
 * Only for small estates (the demo lab): it holds the write lock throughout.
 */
export function importInventoryRows(db: Db, request: InventoryImportRequest): InventoryImportOutcome {
  const run = sqliteOf(db).transaction(() => {
    const incoming = request.validate(request.mode === 'merge' ? loadInventory(db) : null);
    if (request.mode === 'replace') {
      const stored = loadInventory(db);
      request.checkRemoval?.(removalOf(stored, incoming));
      clearInventory(db);
      writeInventory(db, keepGoneMarks(stored, incoming), 'insert');
    } else {
      writeInventory(db, incoming, 'upsert');
    }
    const whole = loadInventory(db);
    const assessments = request.assess(whole);
    const assessment =
      request.assesses === 'some-vms'
        ? replaceVmAssessments(db, whole, assessments)
        : writeAssessments(db, whole, assessments);
    const imported = countsOf(incoming);
    db.insert(inventoryImports)
      .values({ ...request.record, mode: request.mode, countsJson: imported })
      .run();
    return { imported, stored: countInventory(db), assessment };
  });
  return run.immediate();
}

export function createSqliteInventoryStore(db: Db): InventoryStore {
  return {
    loadInventory: async () => loadInventory(db),
    loadNeighbourhood: async (vmIds, also) => loadNeighbourhood(db, vmIds, also),
    findVmsByName: async (names) => findVmsByName(db, names),
    countInventory: async () => countInventory(db),
    isEmpty: async () => isInventoryEmpty(db),
    importInventory: async (request) => {
      const { lockHeldMs: _lockHeldMs, ...outcome } = await importInventoryAtomically(db, request);
      return outcome;
    },
    setPowerStates: async (states, reassess) =>
      sqliteOf(db)
        .transaction(() => {
          // Observed live or caused by a step: read, so no longer unknown.
          for (const { vmId, powerState } of states)
            db.update(vms).set({ powerState, powerStateUnknown: null }).where(eq(vms.id, vmId)).run();
          return reassessIn(
            db,
            states.map((state) => state.vmId),
            reassess,
          );
        })
        .immediate(),
    markGoneVms: async (hostId, seenVmIds, now, readStartedAt) =>
      sqliteOf(db)
        .transaction(() => markGoneVms(db, hostId, seenVmIds, now, readStartedAt))
        .immediate(),
    addVms: async (part, at, reassess) =>
      sqliteOf(db)
        .transaction(() => {
          writeInventory(db, part, 'upsert');
          recordOperationCreatedVms(db, part.vms, at);
          return reassessIn(
            db,
            part.vms.map((vm) => vm.id),
            reassess,
          );
        })
        .immediate(),
    reassessVms: async (vmIds, assess) =>
      sqliteOf(db)
        .transaction(() => reassessIn(db, vmIds, assess))
        .immediate(),
    reassessVmsOnHosts: async (hostIds, assess) =>
      sqliteOf(db)
        .transaction(() => reassessIn(db, vmIdsOnHosts(db, hostIds), assess))
        .immediate(),
    reassess: async (assess) =>
      sqliteOf(db)
        .transaction(() => {
          const whole = loadInventory(db);
          return writeAssessments(db, whole, assess(whole));
        })
        .immediate(),
    reassessUnlessAssessedBy: async (fingerprint, assess, at) =>
      sqliteOf(db)
        .transaction(() => {
          const stored = db
            .select({ fingerprint: assessmentEngine.fingerprint })
            .from(assessmentEngine)
            .where(eq(assessmentEngine.id, ESTATE))
            .get();
          if (stored?.fingerprint === fingerprint) return null;
          const whole = loadInventory(db);
          const summary = writeAssessments(db, whole, assess(whole));
          db.insert(assessmentEngine)
            .values({ id: ESTATE, fingerprint, assessedAt: at })
            .onConflictDoUpdate({ target: assessmentEngine.id, set: { fingerprint, assessedAt: at } })
            .run();
          return summary;
        })
        .immediate(),

    listVms: async (query, now) => listVms(db, query, now),
    countVms: async (query, now) => countVms(db, query, now),
    getVm: async (id) => getVm(db, id),
    getMethodPlan: async (vmId) => findMethodPlan(db, vmId),
    hasVm: async (id) => db.select({ id: vms.id }).from(vms).where(eq(vms.id, id)).get() !== undefined,
    namesOfVms: async (ids) => {
      const rows = sqliteOf(db)
        .prepare('SELECT id, name FROM vms WHERE id IN (SELECT value FROM json_each(?))')
        .all(JSON.stringify(ids)) as { id: string; name: string }[];
      return new Map(rows.map((row) => [row.id, row.name]));
    },
    removedVmNames: async (ids) => {
      const rows = sqliteOf(db)
        .prepare(
          'SELECT vm_id AS id, name FROM removed_vm_names WHERE vm_id IN (SELECT value FROM json_each(?))',
        )
        .all(JSON.stringify(ids)) as { id: string; name: string }[];
      return new Map(rows.map((row) => [row.id, row.name]));
    },
    hasHost: async (id) =>
      db.select({ id: hosts.id }).from(hosts).where(eq(hosts.id, id)).get() !== undefined,
    listFindings: async (filter, cap) => listFindings(db, filter, cap),
    listHosts: async (query) => listHosts(db, query),
    countHosts: async (query) => countHosts(db, query),
    getHost: async (id) => getHost(db, id),
    listPoolMembers: async (query) => listPoolMembers(db, query),
    listHostsOfConnectors: async (connectors, ofVmIds) => listHostsOfConnectors(db, connectors, ofVmIds),
    countVmsOnHosts: async (hostIds, amongVmIds) => countVmsOnHosts(db, hostIds, amongVmIds),
    listHostVolumes: async (query) => listHostVolumes(db, query),
    countHostVolumes: async (query) => countHostVolumes(db, query),
    getHostVolume: async (id) => getHostVolume(db, id),
    listArrays: async (query) => listArrays(db, query),
    countArrays: async (query) => countArrays(db, query),
    getArray: async (id) => getArray(db, id),
    getDashboard: async (topFindingsLimit) => getDashboard(db, topFindingsLimit),
  };
}
