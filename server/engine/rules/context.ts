/**
 * What every rule needs to know about one VM, gathered once per VM from the shared index.
 *
 * Estate-wide figures that many VMs would otherwise recompute (expected change per host volume,
 * array volumes per consistency group, VM references) live in a cache attached to the index, so
 * evaluating N VMs stays linear in the size of the estate.
 */
import type {
  ArrayVolume,
  GuestVolume,
  Host,
  HostVolume,
  InventoryIndex,
  StorageArray,
  VirtualDisk,
  Vm,
  WsbTargetState,
} from '../inventory';
import { wsbTargetOf } from '../inventory';
import type { ConsistencyPolicy } from '../plan-types';
import type { BackupMethod, Finding, ObjectRef } from '../types';
import { hostRef, vmRef } from './refs';
import { listNames } from './wording';

export {
  arrayRef,
  arrayVolumeRef,
  diskRef,
  guestVolumeRef,
  hostRef,
  hostVolumeRef,
  sameMountPoint,
  vmRef,
} from './refs';
export { flat, formatGiB, listNames, listQuotedNames, quoted } from './wording';

/** Applications whose consistency matters enough to call them critical (docs/domain.md §4, §5). */
export const CRITICAL_APPLICATIONS = ['sqlserver', 'exchange'] as const;

export const APPLICATION_NAMES: Record<string, string> = {
  sqlserver: 'SQL Server',
  exchange: 'Exchange',
  other: 'an application',
};

/** "SQL Server and Exchange" for messages. */
export function applicationNames(applications: readonly string[]): string {
  return listNames(applications.map((a) => APPLICATION_NAMES[a] ?? a));
}

/** Which of the pre-freeze / post-thaw scripts a job runs around this VM's snapshot. */
export interface JobScripts {
  preFreeze: boolean;
  postThaw: boolean;
}
/** Outside a job (the estate's assessment) no job script runs; shared, so no VM allocates one. */
export const NO_JOB_SCRIPTS: JobScripts = Object.freeze({ preFreeze: false, postThaw: false });

export interface RuleOptions {
  /** Quiesced snapshots asked for; undefined = asked when the VM runs any application. */
  quiesce?: boolean;
  consistencyPolicy?: ConsistencyPolicy;
  /** The job's own scripts for this VM (BackupPlanRequest.scripts); absent outside a job. */
  jobScripts?: JobScripts;
}

export interface RuleContext {
  index: InventoryIndex;
  cache: EstateCache;
  vm: Vm;
  host: Host;
  /** Shared frozen refs of the VM and its host (see EstateCache.refs). */
  vmRef: ObjectRef;
  hostRef: ObjectRef;
  disks: VirtualDisk[];
  passthroughDisks: VirtualDisk[];
  guestVolumes: GuestVolume[];
  /** The VM's host and what its VMs share (one per host of the estate). */
  scope: HostScope;
  /** Distinct host volumes / SRs holding the VM's virtual disks, in disk order. */
  diskHostVolumes: HostVolume[];
  /** The estate's node of that list: what is worked out once for the VMs on the same volumes. */
  diskHostVolumeSet: ListNode;
  /** Host volume of the VM's checkpoint files when set apart from its disks (Hyper-V); null = beside the VHDs. */
  snapshotVolume: HostVolume | null;
  /** Distinct array volumes behind the VM's disks (through a host volume or presented straight). */
  arrayVolumes: ArrayVolume[];
  /** The estate's node of that list (see diskHostVolumeSet). */
  arrayVolumeSet: ListNode;
  isRunning: boolean;
  runsCriticalApplication: boolean;
  isQuiesceWanted: boolean;
  consistencyPolicy: ConsistencyPolicy;
  jobScripts: JobScripts;
  /**
   * withoutSelf's last answer: the shared list it was asked about and the others on it. The
   * host-volume and LUN lists of a VM are often the same VMs (a volume on its own LUN), and then the
   * same shared list, so its wsb-volume and array-snapshot options share one list of others.
   */
  othersOf: readonly ObjectRef[] | null;
  others: ObjectRef[];
}

export interface EstateCache {
  /**
   * The VMs (the index's objects) with a disk on each host volume, by volume id (vmsOnHostVolume):
   * the walk's order, the volume's VM refs and its expected change all read them, and each VM id
   * is then looked up once per volume instead of once per reader.
   */
  vmsByHostVolume: Map<string, readonly Vm[]>;
  /** Sum of dailyChangeBytes of the VMs with a disk on each host volume. */
  expectedChangeByHostVolume: Map<string, number>;
  arrayVolumeIdsByGroup: Map<string, string[]>;
  /**
   * One frozen ObjectRef per inventory object (VM, host, volume, disk, array), shared by every
   * finding and option that names it: a VM on a volume of k VMs appears in k-1 co-captured lists,
   * and allocating a ref each time dominated whole-estate evaluation (mostly as garbage-collection
   * time: the output survives the young generation, so every object in it is copied).
   */
  refs: Map<object, ObjectRef>;
  /** Frozen refs of every VM on a set of host volumes, keyed by the set (see vmRefsOnVolumes). */
  vmRefsByHostVolumeSet: VolumeSetNode;
  /** The same for sets of array volumes. */
  vmRefsByArrayVolumeSet: VolumeSetNode;
  /** The shared VM ref lists above by their first ref (one list per set of VMs, whichever volumes hold them). */
  vmRefListsByFirst: Map<ObjectRef, (readonly ObjectRef[])[]>;
  /** The shared VM ref list of each single volume (host volume or LUN), keyed by the volume object. */
  vmRefsByVolume: Map<object, readonly ObjectRef[]>;
  /** Shared frozen lists of the host volumes / array volumes of the VMs (RuleContext.diskHostVolumes, .arrayVolumes). */
  hostVolumeLists: ListNode;
  arrayVolumeLists: ListNode;
  /** The planner's values shared by the VMs of a volume, by owner object and slot (planner.ts, `shared`). */
  sharedValues: Map<object, Map<string, unknown>>;
  /** Each host's scope (hostScopeOf), by the host object. */
  hostScopes: Map<Host, HostScope>;
}

/**
 * What the VMs of one host share: the host, its ref and the planner's values that name the host.
 * Looked up once per host when the estate is assessed host by host (evaluate.ts `assessVms`), and
 * per VM otherwise.
 */
export interface HostScope {
  cache: EstateCache;
  host: Host;
  hostRef: ObjectRef;
  /** The planner's values shared by the host's VMs, by slot (planner.ts, `shared`). */
  values: Map<string, unknown>;
  /** Whether Windows Server Backup has a target on the host (wsbTargetOf), read once per host. */
  wsbTarget: WsbTargetState;
}

/**
 * A trie over lists of objects in order: the node reached by a list's items holds its shared copy,
 * and what is worked out once for every VM whose volumes are that list.
 */
export interface ListNode {
  list: readonly object[] | null;
  next: Map<object, ListNode> | null;
  /** The refs of every VM with a disk on the list's volumes (vm-ref-lists.ts), once asked. */
  vmRefs: readonly ObjectRef[] | null;
  /** What the array rules work out about the list's LUNs (array.ts), once asked. */
  arrayFacts: object | null;
}

function listNode(): ListNode {
  return { list: null, next: null, vmRefs: null, arrayFacts: null };
}

/** A trie over volume sets in order: the node reached by a set's volumes holds its VM refs. */
export interface VolumeSetNode {
  refs: readonly ObjectRef[] | null;
  next: Map<object, VolumeSetNode> | null;
}
const estateCaches = new WeakMap<InventoryIndex, EstateCache>();

export function estateCacheOf(index: InventoryIndex): EstateCache {
  const cached = estateCaches.get(index);
  if (cached) return cached;
  const arrayVolumeIdsByGroup = new Map<string, string[]>();
  for (const volume of index.inventory.arrayVolumes) {
    if (!volume.consistencyGroupId) continue;
    const list = arrayVolumeIdsByGroup.get(volume.consistencyGroupId);
    if (list) list.push(volume.id);
    else arrayVolumeIdsByGroup.set(volume.consistencyGroupId, [volume.id]);
  }
  const cache: EstateCache = {
    vmsByHostVolume: new Map(),
    expectedChangeByHostVolume: new Map(),
    arrayVolumeIdsByGroup,
    refs: new Map(),
    vmRefsByHostVolumeSet: { refs: null, next: null },
    vmRefsByArrayVolumeSet: { refs: null, next: null },
    vmRefListsByFirst: new Map(),
    vmRefsByVolume: new Map(),
    hostVolumeLists: listNode(),
    arrayVolumeLists: listNode(),
    sharedValues: new Map(),
    hostScopes: new Map(),
  };
  estateCaches.set(index, cache);
  return cache;
}

/**
 * The VMs with a disk on a host volume (index.vmIdsByHostVolume's order, ids missing from the
 * index left out), looked up once per volume and kept in the estate cache. Read-only.
 */
export function vmsOnHostVolume(
  index: InventoryIndex,
  cache: EstateCache,
  hostVolumeId: string,
): readonly Vm[] {
  const known = cache.vmsByHostVolume.get(hostVolumeId);
  if (known) return known;
  const vmIds = index.vmIdsByHostVolume.get(hostVolumeId) ?? NONE;
  const vms: Vm[] = [];
  for (let i = 0; i < vmIds.length; i++) {
    const vm = index.vmsById.get(vmIds[i]);
    if (vm) vms.push(vm);
  }
  cache.vmsByHostVolume.set(hostVolumeId, vms);
  return vms;
}

/** Expected daily change landing on a host volume: every VM with a disk on it. Memoised per volume. */
export function expectedChangeOnHostVolume(ctx: RuleContext, hostVolumeId: string): number {
  const cached = ctx.cache.expectedChangeByHostVolume.get(hostVolumeId);
  if (cached !== undefined) return cached;
  const vms = vmsOnHostVolume(ctx.index, ctx.cache, hostVolumeId);
  let total = 0;
  for (let i = 0; i < vms.length; i++) total += vms[i].dailyChangeBytes;
  ctx.cache.expectedChangeByHostVolume.set(hostVolumeId, total);
  return total;
}

export function buildRuleContext(
  index: InventoryIndex,
  vmId: string,
  options: RuleOptions = {},
): RuleContext {
  const vm = index.vmsById.get(vmId);
  if (!vm) throw new Error(`VM '${vmId}' is not in the inventory`);
  return buildRuleContextOf(index, vm, options);
}

/** The scope of the VM's host (see HostScope), made on first use. */
export function hostScopeOf(index: InventoryIndex, vm: Vm): HostScope {
  const host = index.hostsById.get(vm.hostId);
  if (!host) throw new Error(`VM '${vm.name}' references host '${vm.hostId}', which is not in the inventory`);
  const cache = estateCacheOf(index);
  let scope = cache.hostScopes.get(host);
  if (!scope) {
    scope = {
      cache,
      host,
      hostRef: sharedRefIn(cache, host, hostRef),
      values: new Map(),
      wsbTarget: wsbTargetOf(host),
    };
    cache.hostScopes.set(host, scope);
  }
  return scope;
}

/**
 * buildRuleContext for a VM of the index already in hand (whole-estate evaluation walks the VMs),
 * with its host's scope when the caller holds it (hostScopeOf(index, vm)).
 */
export function buildRuleContextOf(
  index: InventoryIndex,
  vm: Vm,
  options: RuleOptions = {},
  scope: HostScope = hostScopeOf(index, vm),
): RuleContext {
  const { cache, host } = scope;
  const disks = index.disksByVm.get(vm.id) ?? NONE;
  // Plain loops and no closures: this runs once per VM of the estate. The volume lists are gathered
  // in scratch lists and replaced by the estate's shared frozen list of the same volumes (the VMs of
  // one host sit on the same volumes), so no list is allocated per VM.
  const hostVolumeScratch = scratchHostVolumes;
  const arrayVolumeScratch = scratchArrayVolumes;
  hostVolumeScratch.length = 0;
  arrayVolumeScratch.length = 0;
  let passthroughDisks: VirtualDisk[] = NONE;
  for (let i = 0; i < disks.length; i++) {
    const disk = disks[i];
    if (disk.kind === 'passthrough') passthroughDisks = appended(passthroughDisks, disk);
    // Most of a VM's disks are on a volume already listed (its home volume): no look-up for them.
    if (disk.hostVolumeId && !hasVolume(hostVolumeScratch, disk.hostVolumeId)) {
      const volume = index.hostVolumesById.get(disk.hostVolumeId);
      if (!volume) throw missingHostVolume(disk.hostVolumeId, `Disk '${disk.name}' of VM '${vm.name}'`);
      hostVolumeScratch.push(volume);
      if (volume.arrayVolumeId && !hasVolume(arrayVolumeScratch, volume.arrayVolumeId)) {
        const lun = index.arrayVolumesById.get(volume.arrayVolumeId);
        if (!lun) throw missingArrayVolume(volume.arrayVolumeId, `Host volume '${volume.name}'`);
        arrayVolumeScratch.push(lun);
      }
    }
    if (disk.arrayVolumeId && !hasVolume(arrayVolumeScratch, disk.arrayVolumeId)) {
      const lun = index.arrayVolumesById.get(disk.arrayVolumeId);
      if (!lun) throw missingArrayVolume(disk.arrayVolumeId, `Disk '${disk.name}' of VM '${vm.name}'`);
      arrayVolumeScratch.push(lun);
    }
  }
  const diskHostVolumeSet = internedList(cache.hostVolumeLists, hostVolumeScratch);
  const arrayVolumeSet = internedList(cache.arrayVolumeLists, arrayVolumeScratch);
  let snapshotVolume: HostVolume | null = null;
  if (vm.snapshotLocationVolumeId) {
    snapshotVolume = index.hostVolumesById.get(vm.snapshotLocationVolumeId) ?? null;
    if (!snapshotVolume) {
      throw missingHostVolume(vm.snapshotLocationVolumeId, `The snapshot file location of VM '${vm.name}'`);
    }
  }
  const runsApplication = vm.applications.length > 0;
  return {
    index,
    cache,
    vm,
    host,
    vmRef: sharedRefIn(cache, vm, vmRef),
    hostRef: scope.hostRef,
    disks,
    passthroughDisks,
    guestVolumes: index.guestVolumesByVm.get(vm.id) ?? NONE,
    scope,
    diskHostVolumes: diskHostVolumeSet.list as HostVolume[],
    diskHostVolumeSet,
    snapshotVolume,
    arrayVolumes: arrayVolumeSet.list as ArrayVolume[],
    arrayVolumeSet,
    isRunning: vm.powerState === 'running',
    runsCriticalApplication: runsCriticalApplication(vm),
    isQuiesceWanted: options.quiesce ?? runsApplication,
    consistencyPolicy: options.consistencyPolicy ?? 'fallback',
    jobScripts: options.jobScripts ?? NO_JOB_SCRIPTS,
    othersOf: null,
    others: NONE,
  };
}

/** Scratch lists of buildRuleContext, emptied on each call (it does not call itself). */
const scratchHostVolumes: HostVolume[] = [];
const scratchArrayVolumes: ArrayVolume[] = [];

function runsCriticalApplication(vm: Vm): boolean {
  for (let i = 0; i < vm.applications.length; i++) {
    if ((CRITICAL_APPLICATIONS as readonly string[]).includes(vm.applications[i])) return true;
  }
  return false;
}

/**
 * The node of the estate's shared frozen list holding the same items in the same order (a copy of
 * `items` on first sight; the shared empty list at the root): looked up through a trie keyed by the
 * items themselves, so nothing is built per VM.
 */
function internedList<T extends object>(root: ListNode, items: readonly T[]): ListNode {
  let node = root;
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    let next = node.next?.get(item);
    if (!next) {
      next = listNode();
      node.next ??= new Map();
      node.next.set(item, next);
    }
    node = next;
  }
  node.list ??= items.length === 0 ? NONE : Object.freeze(items.slice());
  return node;
}

/** The list with one more item; the shared empty list is replaced, never pushed to. */
function appended<T>(list: T[], item: T): T[] {
  if (list === NONE) return [item];
  list.push(item);
  return list;
}

function hasVolume(volumes: readonly { id: string }[], id: string): boolean {
  for (let i = 0; i < volumes.length; i++) if (volumes[i].id === id) return true;
  return false;
}

function missingArrayVolume(id: string, usedBy: string): Error {
  return new Error(`${usedBy} references array volume '${id}', which is not in the inventory`);
}

function missingHostVolume(id: string, usedBy: string): Error {
  return new Error(`${usedBy} references host volume '${id}', which is not in the inventory`);
}

/** Host volumes holding the VM's files: its VHDs and, when set apart, its checkpoint files. Read-only. */
export function hostVolumesOfVm(ctx: RuleContext): readonly HostVolume[] {
  const { snapshotVolume, diskHostVolumes } = ctx;
  if (!snapshotVolume || diskHostVolumes.includes(snapshotVolume)) return diskHostVolumes;
  return [...diskHostVolumes, snapshotVolume];
}

export function arrayOf(ctx: RuleContext, volume: ArrayVolume): StorageArray {
  const array = ctx.index.arraysById.get(volume.arrayId);
  if (!array) {
    throw new Error(
      `Array volume '${volume.name}' references array '${volume.arrayId}', which is not in the inventory`,
    );
  }
  return array;
}

// ---- object references and wording -------------------------------------------------------------

/** The shared, frozen ref of an inventory object (see EstateCache.refs). */
export function sharedRef<T extends object>(
  ctx: RuleContext,
  object: T,
  makeRef: (o: T) => ObjectRef,
): ObjectRef {
  return sharedRefIn(ctx.cache, object, makeRef);
}

export function sharedRefIn<T extends object>(
  cache: EstateCache,
  object: T,
  makeRef: (o: T) => ObjectRef,
): ObjectRef {
  let ref = cache.refs.get(object);
  if (!ref) {
    ref = Object.freeze(makeRef(object));
    cache.refs.set(object, ref);
  }
  return ref;
}

export type Rule = (ctx: RuleContext) => Finding[];

/**
 * Findings and plans are immutable values. Lists that are the same for many VMs (a finding's
 * methods, an empty list) are shared frozen arrays: whole-estate evaluation builds 20,000 plans,
 * and every avoided allocation is garbage-collection time saved. Mutating one throws.
 */
function frozenList<T>(...items: T[]): T[] {
  return Object.freeze(items) as T[];
}

/**
 * Appends every item of `items` to `target`. An indexed loop: for-of over the mix of shared frozen
 * and fresh lists the rules return was not optimised into a plain loop, and allocated an iterator
 * result per item on every VM of the estate.
 */
export function appendAll<T>(target: T[], items: readonly T[]): void {
  for (let i = 0; i < items.length; i++) target.push(items[i]);
}

/** A shared frozen empty list (typed for any element). */
export const NONE: never[] = frozenList<never>();

export const HOST_LEVEL_HYPERV_METHODS = frozenList<BackupMethod>('hyperv-vss', 'wsb-volume');
export const HOST_LEVEL_AND_ARRAY_METHODS = frozenList<BackupMethod>(
  'hyperv-vss',
  'wsb-volume',
  'array-snapshot',
);
export const WSB_METHODS = frozenList<BackupMethod>('wsb-volume');
export const ARRAY_METHODS = frozenList<BackupMethod>('array-snapshot');
export const XEN_QUIESCED_METHODS = frozenList<BackupMethod>('xen-quiesced');
export const XEN_SNAPSHOT_METHODS = frozenList<BackupMethod>('xen-snapshot', 'xen-quiesced');
