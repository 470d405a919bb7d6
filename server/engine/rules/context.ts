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
} from '../inventory';
import type { ConsistencyPolicy } from '../plan-types';
import type { BackupMethod, Finding, ObjectRef } from '../types';

/** Applications whose consistency matters enough to call them critical (DOMAIN.md §1.4, §1.6). */
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

export interface RuleOptions {
  /** Quiesced snapshots asked for; undefined = asked when the VM runs any application. */
  quiesce?: boolean;
  consistencyPolicy?: ConsistencyPolicy;
}

export interface RuleContext {
  index: InventoryIndex;
  cache: EstateCache;
  vm: Vm;
  host: Host;
  disks: VirtualDisk[];
  passthroughDisks: VirtualDisk[];
  guestVolumes: GuestVolume[];
  /** Distinct host volumes / SRs holding the VM's virtual disks, in disk order. */
  diskHostVolumes: HostVolume[];
  /** Host volume of the VM's checkpoint files when set apart from its disks (Hyper-V); null = beside the VHDs. */
  snapshotVolume: HostVolume | null;
  /** Distinct array volumes behind the VM's disks (through a host volume or presented straight). */
  arrayVolumes: ArrayVolume[];
  isRunning: boolean;
  runsCriticalApplication: boolean;
  isQuiesceWanted: boolean;
  consistencyPolicy: ConsistencyPolicy;
}

export interface EstateCache {
  /** Sum of dailyChangeBytes of the VMs with a disk on each host volume. */
  expectedChangeByHostVolume: Map<string, number>;
  arrayVolumeIdsByGroup: Map<string, string[]>;
  /**
   * One frozen ObjectRef per VM, shared by every finding and option that names it: a VM on a
   * volume of k VMs appears in k-1 co-captured lists, and allocating a ref each time dominated
   * whole-estate evaluation (mostly as garbage-collection time).
   */
  vmRefs: Map<string, ObjectRef>;
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
    expectedChangeByHostVolume: new Map(),
    arrayVolumeIdsByGroup,
    vmRefs: new Map(),
  };
  estateCaches.set(index, cache);
  return cache;
}

/** Expected daily change landing on a host volume: every VM with a disk on it. Memoised per volume. */
export function expectedChangeOnHostVolume(ctx: RuleContext, hostVolumeId: string): number {
  const cached = ctx.cache.expectedChangeByHostVolume.get(hostVolumeId);
  if (cached !== undefined) return cached;
  let total = 0;
  for (const vmId of ctx.index.vmIdsByHostVolume.get(hostVolumeId) ?? []) {
    total += ctx.index.vmsById.get(vmId)?.dailyChangeBytes ?? 0;
  }
  ctx.cache.expectedChangeByHostVolume.set(hostVolumeId, total);
  return total;
}

function requireHostVolume(index: InventoryIndex, id: string, usedBy: () => string): HostVolume {
  const volume = index.hostVolumesById.get(id);
  if (!volume) throw new Error(`${usedBy()} references host volume '${id}', which is not in the inventory`);
  return volume;
}

function requireArrayVolume(index: InventoryIndex, id: string, usedBy: string): ArrayVolume {
  const volume = index.arrayVolumesById.get(id);
  if (!volume) throw new Error(`${usedBy} references array volume '${id}', which is not in the inventory`);
  return volume;
}

export function buildRuleContext(
  index: InventoryIndex,
  vmId: string,
  options: RuleOptions = {},
): RuleContext {
  const vm = index.vmsById.get(vmId);
  if (!vm) throw new Error(`VM '${vmId}' is not in the inventory`);
  const host = index.hostsById.get(vm.hostId);
  if (!host) throw new Error(`VM '${vm.name}' references host '${vm.hostId}', which is not in the inventory`);
  const disks = index.disksByVm.get(vm.id) ?? [];
  const diskHostVolumes: HostVolume[] = [];
  const arrayVolumes: ArrayVolume[] = [];
  const passthroughDisks: VirtualDisk[] = [];
  const addArrayVolume = (id: string, usedBy: () => string) => {
    if (!arrayVolumes.some((v) => v.id === id)) arrayVolumes.push(requireArrayVolume(index, id, usedBy()));
  };
  for (const disk of disks) {
    if (disk.kind === 'passthrough') passthroughDisks.push(disk);
    if (disk.hostVolumeId) {
      const volume = requireHostVolume(
        index,
        disk.hostVolumeId,
        () => `Disk '${disk.name}' of VM '${vm.name}'`,
      );
      if (!diskHostVolumes.includes(volume)) diskHostVolumes.push(volume);
      if (volume.arrayVolumeId) addArrayVolume(volume.arrayVolumeId, () => `Host volume '${volume.name}'`);
    }
    if (disk.arrayVolumeId)
      addArrayVolume(disk.arrayVolumeId, () => `Disk '${disk.name}' of VM '${vm.name}'`);
  }
  const snapshotVolume = vm.snapshotLocationVolumeId
    ? requireHostVolume(
        index,
        vm.snapshotLocationVolumeId,
        () => `The snapshot file location of VM '${vm.name}'`,
      )
    : null;
  const runsApplication = vm.applications.length > 0;
  return {
    index,
    cache: estateCacheOf(index),
    vm,
    host,
    disks,
    passthroughDisks,
    guestVolumes: index.guestVolumesByVm.get(vm.id) ?? [],
    diskHostVolumes,
    snapshotVolume,
    arrayVolumes,
    isRunning: vm.powerState === 'running',
    runsCriticalApplication: vm.applications.some((a) =>
      (CRITICAL_APPLICATIONS as readonly string[]).includes(a),
    ),
    isQuiesceWanted: options.quiesce ?? runsApplication,
    consistencyPolicy: options.consistencyPolicy ?? 'fallback',
  };
}

/** Host volumes holding the VM's files: its VHDs and, when set apart, its checkpoint files. */
export function hostVolumesOfVm(ctx: RuleContext): HostVolume[] {
  const volumes = [...ctx.diskHostVolumes];
  if (ctx.snapshotVolume && !volumes.includes(ctx.snapshotVolume)) volumes.push(ctx.snapshotVolume);
  return volumes;
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

export function vmRef(vm: Vm): ObjectRef {
  return { kind: 'vm', id: vm.id, name: vm.name };
}
export function hostRef(host: Host): ObjectRef {
  return { kind: 'host', id: host.id, name: host.name };
}
export function diskRef(disk: VirtualDisk): ObjectRef {
  return { kind: 'disk', id: disk.id, name: disk.name };
}
export function hostVolumeRef(volume: HostVolume): ObjectRef {
  return { kind: 'host-volume', id: volume.id, name: volume.name };
}
export function guestVolumeRef(volume: GuestVolume): ObjectRef {
  return { kind: 'guest-volume', id: volume.id, name: volume.mountPoint };
}
export function arrayRef(array: StorageArray): ObjectRef {
  return { kind: 'array', id: array.id, name: array.name };
}
export function arrayVolumeRef(volume: ArrayVolume): ObjectRef {
  return { kind: 'array-volume', id: volume.id, name: volume.name };
}

/** The shared, frozen ref of a VM (see EstateCache.vmRefs); undefined for ids missing from the index. */
function cachedVmRef(
  index: InventoryIndex,
  refs: Map<string, ObjectRef>,
  vmId: string,
): ObjectRef | undefined {
  let ref = refs.get(vmId);
  if (!ref) {
    const vm = index.vmsById.get(vmId);
    if (!vm) return undefined;
    ref = Object.freeze(vmRef(vm));
    refs.set(vmId, ref);
  }
  return ref;
}

/** VM refs for ids, in the order given, once each, skipping the VM itself and ids missing from the index. */
export function otherVmRefs(ctx: RuleContext, vmIds: readonly string[]): ObjectRef[] {
  const selfId = ctx.vm.id;
  const { index } = ctx;
  const cache = ctx.cache.vmRefs;
  let refs: ObjectRef[] | null = null;
  // Lists are usually short (the VMs of one volume); a Set only pays off for long ones.
  const seen = vmIds.length > 32 ? new Set<string>([selfId]) : null;
  for (let i = 0; i < vmIds.length; i++) {
    const id = vmIds[i];
    if (seen) {
      if (seen.has(id)) continue;
      seen.add(id);
    } else if (id === selfId || vmIds.indexOf(id) < i) continue;
    const ref = cachedVmRef(index, cache, id);
    if (!ref) continue;
    if (refs) refs.push(ref);
    else refs = [ref];
  }
  return refs ?? NONE;
}

/** The other VMs with a disk on any of the host volumes (one volume: no concatenation). */
export function otherVmRefsOnHostVolumes(ctx: RuleContext, volumes: readonly HostVolume[]): ObjectRef[] {
  const byVolume = ctx.index.vmIdsByHostVolume;
  if (volumes.length === 1) return otherVmRefs(ctx, byVolume.get(volumes[0].id) ?? []);
  const ids: string[] = [];
  for (const volume of volumes) for (const id of byVolume.get(volume.id) ?? []) ids.push(id);
  return otherVmRefs(ctx, ids);
}

const MAX_NAMES_IN_MESSAGE = 10;

/** "a, b and c"; long lists are cut ("a, b, … and 42 more") — the finding's objects keep them all. */
export function listNames(names: string[]): string {
  if (names.length === 0) return '';
  if (names.length > MAX_NAMES_IN_MESSAGE) {
    const shown = names.slice(0, MAX_NAMES_IN_MESSAGE);
    return `${shown.join(', ')} and ${names.length - shown.length} more`;
  }
  if (names.length === 1) return names[0];
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

export function quoted(names: string[]): string[] {
  return names.map((n) => `'${n}'`);
}

const GIB = 1024 ** 3;
export function formatGiB(bytes: number): string {
  const gib = bytes / GIB;
  return `${gib >= 10 ? Math.round(gib) : Math.round(gib * 10) / 10} GB`;
}

/** Mount points compare without case or trailing slash: "d:" is "D:", "D:\" is "D:". */
export function sameMountPoint(a: string, b: string): boolean {
  const normalise = (m: string) =>
    m
      .trim()
      .replace(/[\\/]+$/, '')
      .toLowerCase() || '/';
  return normalise(a) === normalise(b);
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
