/**
 * InventoryStore on PostgreSQL. An import is ONE transaction: PostgreSQL's MVCC lets the runner
 * and every reader go on while it writes (they see the estate before it until it commits), so
 * nothing has to be sliced as on SQLite, and a crash mid-import leaves the estate as it was.
 */
import { eq, inArray, sql } from 'drizzle-orm';
import { removalOf } from '../../../server/engine/import-removal';
import type { Inventory } from '../../../server/engine/inventory';
import {
  arrayListQueryInput,
  hostListQueryInput,
  hostVolumeListQueryInput,
  vmListQueryInput,
} from '../../../server/schemas/inventory-queries';
import type { PgDb } from '../../pg/client';
import { assessmentEngine, hosts, inventoryImports, removedVmNames, vms } from '../../pg/schema';
import type { AssessmentSummary } from '../assessment-rows';
import type { InventoryCounts, InventoryStore, ReassessVms } from '../ports/inventory';
import { getArray, listArrays } from './inventory-arrays';
import { getDashboard, listFindings } from './inventory-findings';
import { getHostVolume, listHostVolumes } from './inventory-host-volumes';
import { countVmsOnHosts, getHost, listHosts, listHostsOfConnectors } from './inventory-hosts';
import { findVmsByName, loadNeighbourhood } from './inventory-neighbourhood';
import { listPoolMembers } from './inventory-pool-members';
import {
  countInventory,
  deleteMissing,
  isInventoryEmpty,
  loadInventory,
  replaceVmAssessments,
  writeAssessments,
  writeInventory,
} from './inventory-rows';
import { findMethodPlan, getVm, listVms, markGoneVms, recordOperationCreatedVms } from './inventory-vms';
import { inPgTransaction, type PgTx } from './transaction';

/**
 * Re-assesses these VMs from their neighbourhood as stored, inside the caller's transaction, which
 * took the inventory writer's lock before its write: no writer of the facts commits in between.
 */
async function reassessIn(
  tx: PgTx,
  vmIds: readonly string[],
  assess: ReassessVms,
): Promise<AssessmentSummary> {
  const neighbourhood = await loadNeighbourhood(tx, vmIds);
  return replaceVmAssessments(tx, neighbourhood, assess(neighbourhood));
}

function countsOf(inventory: Inventory): InventoryCounts {
  return Object.fromEntries(
    Object.entries(inventory).map(([section, items]) => [section, items.length]),
  ) as InventoryCounts;
}

/**
 * Serialises everything that rewrites assessments across nodes: imports (a sync is one),
 * re-assessments, and the assessments of the VMs a step changed. Each deletes a VM's rows and
 * inserts new ones; two of them at once on one VM (a restore's new VM, which the pool's watcher
 * syncs as it appears) both find nothing to delete, and the second insert fails on the first's row.
 * The steps' writes of facts an assessment reads (power states, restored VMs) take it before they
 * write and re-assess their VMs, so what they assess stays as read until they commit.
 */
export const INVENTORY_WRITER = 0x6d69_0004;
/** The key of assessment_engine's one row. */
const ESTATE = 'estate';
const sqlLock = (key: number) => sql`select pg_advisory_xact_lock(${key})`;

export function createPgInventoryStore(db: PgDb): InventoryStore {
  return {
    loadInventory: () => loadInventory(db),
    loadNeighbourhood: (vmIds, also) => loadNeighbourhood(db, vmIds, also),
    findVmsByName: (names) => findVmsByName(db, names),
    countInventory: () => countInventory(db),
    isEmpty: () => isInventoryEmpty(db),
    importInventory: (request) =>
      inPgTransaction(db, async (tx) => {
        await tx.execute(sqlLock(INVENTORY_WRITER));
        const stored = await loadInventory(tx);
        // Validation throws before anything is written; the transaction then writes nothing.
        const incoming = request.validate(request.mode === 'merge' ? stored : null);
        // Read under the inventory writer's lock: what the replace deletes, checked before any write.
        if (request.mode === 'replace') request.checkRemoval?.(removalOf(stored, incoming));
        await writeInventory(tx, incoming, 'upsert');
        if (request.mode === 'replace') await deleteMissing(tx, stored, incoming);
        const whole = await loadInventory(tx);
        const assessments = request.assess(whole);
        const assessment =
          request.assesses === 'some-vms'
            ? await replaceVmAssessments(tx, whole, assessments)
            : await writeAssessments(tx, whole, assessments);
        const imported = countsOf(incoming);
        await tx
          .insert(inventoryImports)
          .values({ ...request.record, mode: request.mode, countsJson: imported });
        return { imported, stored: await countInventory(tx), assessment };
      }),
    // A power state and a restored VM are facts assessments read: written and re-assessed under the lock.
    setPowerStates: (states, reassess) =>
      inPgTransaction(db, async (tx) => {
        await tx.execute(sqlLock(INVENTORY_WRITER));
        // Observed live or caused by a step: read, so no longer unknown.
        for (const { vmId, powerState } of states)
          await tx.update(vms).set({ powerState, powerStateUnknown: null }).where(eq(vms.id, vmId));
        return reassessIn(
          tx,
          states.map((state) => state.vmId),
          reassess,
        );
      }),
    // A gone mark is not: no assessment reads it.
    markGoneVms: (hostId, seenVmIds, now, readStartedAt) =>
      inPgTransaction(db, (tx) => markGoneVms(tx, hostId, seenVmIds, now, readStartedAt)),
    addVms: (part, at, reassess) =>
      inPgTransaction(db, async (tx) => {
        await tx.execute(sqlLock(INVENTORY_WRITER));
        await writeInventory(tx, part, 'upsert');
        await recordOperationCreatedVms(tx, part.vms, at);
        return reassessIn(
          tx,
          part.vms.map((vm) => vm.id),
          reassess,
        );
      }),
    reassessVms: (vmIds, assess) =>
      inPgTransaction(db, async (tx) => {
        await tx.execute(sqlLock(INVENTORY_WRITER));
        return reassessIn(tx, vmIds, assess);
      }),
    reassessVmsOnHosts: (hostIds, assess) =>
      inPgTransaction(db, async (tx) => {
        await tx.execute(sqlLock(INVENTORY_WRITER));
        if (hostIds.length === 0) return reassessIn(tx, [], assess);
        const onHosts = await tx
          .select({ id: vms.id })
          .from(vms)
          .where(inArray(vms.hostId, [...hostIds]));
        return reassessIn(
          tx,
          onHosts.map((row) => row.id),
          assess,
        );
      }),
    reassess: (assess) =>
      inPgTransaction(db, async (tx) => {
        await tx.execute(sqlLock(INVENTORY_WRITER));
        const whole = await loadInventory(tx);
        return writeAssessments(tx, whole, assess(whole));
      }),
    reassessUnlessAssessedBy: (fingerprint, assess, at) =>
      inPgTransaction(db, async (tx) => {
        await tx.execute(sqlLock(INVENTORY_WRITER));
        const [stored] = await tx
          .select({ fingerprint: assessmentEngine.fingerprint })
          .from(assessmentEngine)
          .where(eq(assessmentEngine.id, ESTATE));
        if (stored?.fingerprint === fingerprint) return null;
        const whole = await loadInventory(tx);
        const summary = await writeAssessments(tx, whole, assess(whole));
        await tx
          .insert(assessmentEngine)
          .values({ id: ESTATE, fingerprint, assessedAt: at })
          .onConflictDoUpdate({ target: assessmentEngine.id, set: { fingerprint, assessedAt: at } });
        return summary;
      }),

    // Pages here still count their matches (the SQLite store's pages do not); the counts reuse them.
    listVms: (query, now) => listVms(db, query, now),
    countVms: async (query, now) =>
      (await listVms(db, vmListQueryInput.parse({ ...query, limit: 1 }), now)).total,
    countHosts: async (query) =>
      (await listHosts(db, hostListQueryInput.parse({ ...query, limit: 1 }))).total,
    countHostVolumes: async (query) =>
      (await listHostVolumes(db, hostVolumeListQueryInput.parse({ ...query, limit: 1 }))).total,
    countArrays: async (query) =>
      (await listArrays(db, arrayListQueryInput.parse({ ...query, limit: 1 }))).total,
    getVm: (id) => getVm(db, id),
    getMethodPlan: (vmId) => findMethodPlan(db, vmId),
    hasVm: async (id) => (await db.select({ id: vms.id }).from(vms).where(eq(vms.id, id))).length > 0,
    namesOfVms: async (ids) => {
      const found = new Map<string, string>();
      for (let start = 0; start < ids.length; start += 1000) {
        const chunk = ids.slice(start, start + 1000);
        const rows = await db.select({ id: vms.id, name: vms.name }).from(vms).where(inArray(vms.id, chunk));
        for (const row of rows) found.set(row.id, row.name);
      }
      return found;
    },
    removedVmNames: async (ids) => {
      const names = new Map<string, string>();
      for (let start = 0; start < ids.length; start += 1000) {
        const chunk = ids.slice(start, start + 1000);
        const rows = await db
          .select({ id: removedVmNames.vmId, name: removedVmNames.name })
          .from(removedVmNames)
          .where(inArray(removedVmNames.vmId, chunk));
        for (const row of rows) names.set(row.id, row.name);
      }
      return names;
    },
    hasHost: async (id) => (await db.select({ id: hosts.id }).from(hosts).where(eq(hosts.id, id))).length > 0,
    listFindings: (filter, cap) => listFindings(db, filter, cap),
    listHosts: (query) => listHosts(db, query),
    getHost: (id) => getHost(db, id),
    listPoolMembers: (query) => listPoolMembers(db, query),
    listHostsOfConnectors: (connectors, ofVmIds) => listHostsOfConnectors(db, connectors, ofVmIds),
    countVmsOnHosts: (hostIds, amongVmIds) => countVmsOnHosts(db, hostIds, amongVmIds),
    listHostVolumes: (query) => listHostVolumes(db, query),
    getHostVolume: (id) => getHostVolume(db, id),
    listArrays: (query) => listArrays(db, query),
    getArray: (id) => getArray(db, id),
    getDashboard: (topFindingsLimit) => getDashboard(db, topFindingsLimit),
  };
}
