/**
 * The inventory port: the estate (hosts, volumes, VMs, disks, arrays), its stored assessments,
 * and the read views the console lists and detail pages show.
 */
import type { VmAssessment } from '../../../server/engine/evaluate';
import type { InventoryRemoval } from '../../../server/engine/import-removal';
import type { Inventory, OsFamily, PowerState, Vm } from '../../../server/engine/inventory';
import type { NeighbourhoodSeed } from '../../../server/engine/neighbourhood';

/** More starting points of a neighbourhood than VMs (a backup scoped to a volume or a LUN). */
export type { NeighbourhoodSeed };

import type { MethodPlan } from '../../../server/engine/planner';
import type {
  ArrayCountQuery,
  ArrayListQuery,
  HostCountQuery,
  HostListQuery,
  HostVolumeCountQuery,
  HostVolumeListQuery,
  VmCountQuery,
  VmListQuery,
} from '../../../server/schemas/inventory-queries';
import type { AssessmentSummary } from '../assessment-rows';
import type {
  ArrayDetail,
  ArrayListItem,
  Dashboard,
  FindingsFilter,
  FindingsList,
  HostDetail,
  HostListItem,
  HostVolumeDetail,
  HostVolumeListItem,
  VmDetail,
  VmListItem,
} from './inventory-views';
import type { Page } from './page';

export type { AssessmentSummary } from '../assessment-rows';
export type * from './inventory-views';

export type InventorySection = keyof Inventory;

/** A pool's hosts or its VMs (not gone) whose name contains `search`, by name, at most `limit`. */
export interface PoolMemberQuery {
  /** The pool's hosts, as its last sync stored them: the filter by pool. */
  hostIds: readonly string[];
  kind: 'vm' | 'host';
  search?: string;
  limit: number;
}

/** One host or VM of a pool; a host's own row has its name as `hostName` and no power or OS. */
export interface PoolMember {
  id: string;
  name: string;
  hostName: string;
  /** As planned: with `powerStateUnknown` set, the state assumed for safety, not one that was read. */
  powerState: PowerState | null;
  /** Why the VM's power state was not read (what was reported instead); null when read, or a host. */
  powerStateUnknown: string | null;
  osFamily: OsFamily | null;
}

export interface PoolMemberList {
  items: PoolMember[];
  /** More matched than `limit`: type more of the name. */
  hasMore: boolean;
}

/** A host a connection reads (its connector is not the lab's): one whose facts may go out of date. */
export interface ConnectorHost {
  id: string;
  name: string;
  connector: string;
  /** The XenServer pool it was read in; null for Hyper-V and stand-alone hosts. */
  pool: string | null;
}

export type InventoryCounts = Record<InventorySection, number>;

export type ImportMode = 'replace' | 'merge';

/**
 * One import: validated and assessed before anything is written, then written, re-assessed and
 * recorded ATOMICALLY: a failure at any point (a bad row, a full disk, a crash, a refused
 * confirmation) leaves the estate as it was before the import, on every implementation.
 */
export interface InventoryImportRequest {
  mode: ImportMode;
  /**
   * Given the stored estate for a merge (null for a replace), returns what to write; throwing
   * writes nothing. Runs on a consistent read of the estate.
   */
  validate: (stored: Inventory | null) => Inventory;
  /** Assesses the whole estate as it will be stored after the write (or some of its VMs: `assesses`). */
  assess: (whole: Inventory) => VmAssessment[];
  /**
   * 'estate' (default): `assess` covers every VM and replaces every stored assessment. 'some-vms'
   * (a merge that changed a few VMs, e.g. a live sync batch): `assess` returns only the VMs whose
   * findings may have changed, and only theirs are rewritten; the others keep their stored ones.
   */
  assesses?: 'estate' | 'some-vms';
  /**
   * Replace only: called inside the write transaction with what the replace is about to delete
   * (read under the write lock); throwing refuses the import and writes nothing. The service checks
   * the operator's confirmation here, so a stale preview cannot remove more than it showed.
   */
  checkRemoval?: (removal: InventoryRemoval) => void;
  /** The `inventory_imports` row: who imported, when. */
  record: { id: string; createdAt: Date; requestedBy: string };
}

export interface InventoryImportOutcome {
  /** Objects in the file, per section. */
  imported: InventoryCounts;
  /** Objects stored after the import, per section. */
  stored: InventoryCounts;
  assessment: AssessmentSummary;
}

/**
 * The engine over the neighbourhood of some VMs (InventoryStore.loadNeighbourhood): their
 * assessments. Synchronous, so the embedded database runs it inside its transaction, and pure (a
 * retried PostgreSQL transaction calls it again).
 */
export type ReassessVms = (neighbourhood: Inventory) => VmAssessment[];

export interface InventoryStore {
  /** The whole estate, each section in storage order. Only for work that truly spans the estate. */
  loadInventory(): Promise<Inventory>;
  /**
   * The part of the estate the planners look at for these VMs (unknown ids are skipped): the VMs,
   * their disks and guest volumes, the host volumes / SRs they sit on (with their checkpoint and
   * shadow-storage volumes), the LUNs behind them widened to whole consistency groups, every host
   * volume on those LUNs, the hosts and arrays of all of these, and — closed transitively — every
   * other VM with a disk on any of those volumes or LUNs, with its own disks, guest volumes and
   * storage. Planning over it gives the same plan as planning over the whole estate. Sections
   * keep storage order, like `loadInventory`.
   */
  loadNeighbourhood(vmIds: readonly string[], also?: NeighbourhoodSeed): Promise<Inventory>;
  /** VMs whose name equals one of `names`, ignoring case (a restore as a new VM must not clash). */
  findVmsByName(names: readonly string[]): Promise<Vm[]>;
  countInventory(): Promise<InventoryCounts>;
  isEmpty(): Promise<boolean>;

  /** Replace: the file becomes the estate. Merge: objects are upserted by id, nothing deleted. */
  importInventory(request: InventoryImportRequest): Promise<InventoryImportOutcome>;
  /**
   * Records the power states operations observed or caused (a volume revert leaves its VMs off; a
   * live check found the VM other than stored), so the inventory shows what is, not what was
   * imported. Each state written was read or caused, so the VM's `powerStateUnknown` is cleared.
   * Unknown VM ids are skipped.
   *
   * The VMs are then re-assessed in the SAME transaction: their neighbourhood is read as
   * `loadNeighbourhood` does, handed to `reassess`, and the stored assessments (and findings) of
   * the VMs it returns, and of no other, are rewritten. So the new facts and the assessments of
   * them land together or not at all (a crash or a failed assessment in between left a VM stored
   * off and shown running). The transaction holds the lock every writer of the facts an assessment
   * reads holds: on SQLite `BEGIN IMMEDIATE` (the file's one write lock), on PostgreSQL the
   * inventory writer's advisory lock, taken before the write, which imports (a sync batch is one)
   * take too. A change to the estate issued meanwhile, by any process or node, waits (SQLite: or
   * is refused busy) and lands after: what is written is an assessment of the facts stored when it
   * commits, and never overwrites the newer assessment of an import that landed since it read
   * (which left a VM shown online-ready while stored off).
   */
  setPowerStates(
    states: readonly { vmId: string; powerState: PowerState }[],
    reassess: ReassessVms,
  ): Promise<AssessmentSummary>;
  /**
   * After a full read of one host: its stored VMs missing from `seenVmIds` are marked gone since
   * `now` (a mark already set keeps its first date), the seen ones lose any mark. Nothing is
   * deleted: a gone VM keeps its disks, restore points and jobs. A VM `addVms` recorded at or after
   * `readStartedAt` (when the read began) is not marked: the read could not list it. Returns the
   * VMs newly marked gone and those that reappeared, by name.
   */
  markGoneVms(
    hostId: string,
    seenVmIds: readonly string[],
    now: Date,
    readStartedAt: Date,
  ): Promise<{ gone: { id: string; name: string }[]; reappeared: { id: string; name: string }[] }>;
  /**
   * Adds (or updates by id) VMs an operation created — a VM restored as new — with their disks, and
   * records that it did so `at` (see markGoneVms); the new VMs are re-assessed with `reassess` in
   * the same transaction, as `setPowerStates` does.
   */
  addVms(
    part: Pick<Inventory, 'vms' | 'virtualDisks' | 'guestVolumes'>,
    at: Date,
    reassess: ReassessVms,
  ): Promise<AssessmentSummary>;
  /**
   * Re-assesses these VMs without changing them: what `setPowerStates` does after its write, alone,
   * with the same lock and in one transaction (the read and the write of the assessments).
   */
  reassessVms(vmIds: readonly string[], assess: ReassessVms): Promise<AssessmentSummary>;
  /**
   * Re-assesses every VM of these hosts (gone ones too) without changing them, found and assessed
   * in one transaction as `reassessVms`: a fact the engine takes from outside the inventory changed
   * (the WSB target of the connection reading them). `assess` gets their neighbourhood.
   */
  reassessVmsOnHosts(hostIds: readonly string[], assess: ReassessVms): Promise<AssessmentSummary>;
  /** Re-assesses the whole stored estate and replaces every stored assessment, in one transaction. */
  reassess(assess: (whole: Inventory) => VmAssessment[]): Promise<AssessmentSummary>;
  /**
   * `reassess`, unless the engine that last did (its `fingerprint`, recorded with the time) is
   * this one: null then, nothing written. Read and written in one transaction under the inventory
   * writer's lock, so of several processes starting with one engine, one re-assesses.
   */
  reassessUnlessAssessedBy(
    fingerprint: string,
    assess: (whole: Inventory) => VmAssessment[],
    at: Date,
  ): Promise<AssessmentSummary | null>;

  /**
   * One page in the query's order; a page counts nothing (countVms does, once per filter). `now`
   * decides the protection statuses the query filters by.
   */
  listVms(query: VmListQuery, now: Date): Promise<Page<VmListItem>>;
  /** How many VMs match the filters, over all pages. */
  countVms(query: VmCountQuery, now: Date): Promise<number>;
  /** Null when no VM has this id (likewise for every `get…`). */
  getVm(id: string): Promise<VmDetail | null>;
  /** The VM's stored method plan, null before its first assessment. */
  getMethodPlan(vmId: string): Promise<{ plan: MethodPlan | null } | null>;
  hasVm(id: string): Promise<boolean>;
  /**
   * The names of the VMs of these ids the inventory has, by id (a job's scope may name VMs an
   * import removed: those are left out).
   */
  namesOfVms(ids: readonly string[]): Promise<Map<string, string>>;
  /**
   * The name each of these VMs had when it was last deleted from the inventory (by VM id; ids
   * never deleted are left out). A VM deleted and brought back keeps its entry: ask for ids the
   * inventory lacks.
   */
  removedVmNames(ids: readonly string[]): Promise<Map<string, string>>;
  hasHost(id: string): Promise<boolean>;
  /** At most `cap` findings, most serious first; the counts cover every match. */
  listFindings(filter: FindingsFilter, cap: number): Promise<FindingsList>;
  listHosts(query: HostListQuery): Promise<Page<HostListItem>>;
  countHosts(query: HostCountQuery): Promise<number>;
  getHost(id: string): Promise<HostDetail | null>;
  /** A pool's hosts or VMs by name (the SSH account test's picker); empty `hostIds`: none. */
  listPoolMembers(query: PoolMemberQuery): Promise<PoolMemberList>;
  /**
   * The hosts whose connector is one of `connectors`, by name, then id. Hosts are few next to VMs:
   * the estate-wide check of whose facts may be out of date reads these whole, and no VM.
   * `ofVmIds`: only the hosts of these VMs (gone ones too; ids not in the inventory match nothing),
   * as the backup review asks of the VMs its plan was made for; undefined: every host.
   */
  listHostsOfConnectors(connectors: readonly string[], ofVmIds?: readonly string[]): Promise<ConnectorHost[]>;
  /**
   * How many VMs each of these hosts has (gone ones too, as a host's page counts them), counted by
   * the database; a host with none, or not in the inventory, is left out. `amongVmIds`: only these
   * VMs are counted; undefined: every VM.
   */
  countVmsOnHosts(hostIds: readonly string[], amongVmIds?: readonly string[]): Promise<Map<string, number>>;
  listHostVolumes(query: HostVolumeListQuery): Promise<Page<HostVolumeListItem>>;
  countHostVolumes(query: HostVolumeCountQuery): Promise<number>;
  getHostVolume(id: string): Promise<HostVolumeDetail | null>;
  listArrays(query: ArrayListQuery): Promise<Page<ArrayListItem>>;
  countArrays(query: ArrayCountQuery): Promise<number>;
  getArray(id: string): Promise<ArrayDetail | null>;
  getDashboard(topFindingsLimit: number): Promise<Dashboard>;
}
