/**
 * Incremental evaluation: after one host's facts change (a sync, a merge import), only the VMs
 * whose assessment can read that host are evaluated again, on their part of the estate, instead of
 * the whole estate.
 *
 * Which VMs: the storage component of the host — its VMs and volumes, closed over every storage
 * link in both directions (VM–disk–host volume, VM–checkpoint volume, host volume–shadow-storage
 * volume, host volume–LUN, pass-through disk–LUN, LUN–consistency group). A plan reads only its
 * neighbourhood (neighbourhood.ts), which lies inside its component; so a VM outside the host's
 * component reads nothing of the host, and its stored assessment stays true. Evaluating the
 * component on its own gives every VM in it the assessment the whole estate would give (tested
 * against whole-estate evaluation in incremental.test.ts).
 */
import { assessVms, type VmAssessment } from './evaluate';
import { type Host, type Inventory, type InventoryIndex, indexInventory } from './inventory';

/** Reverse storage links of an index, built once per index (O(estate)) and carried by withHost. */
interface StorageLinks {
  vmIdsByHost: Map<string, string[]>;
  hostVolumeIdsByHost: Map<string, string[]>;
  /** VMs whose checkpoint files are set apart on the volume. */
  vmIdsBySnapshotVolume: Map<string, string[]>;
  /** Volumes whose shadow storage lives on the volume. */
  hostVolumeIdsByShadowVolume: Map<string, string[]>;
  hostVolumeIdsByArrayVolume: Map<string, string[]>;
  arrayVolumeIdsByGroup: Map<string, string[]>;
  /**
   * Each row's place in its section of the whole inventory: the component keeps storage order, as
   * the whole estate's evaluation sees it (co-captured VMs are listed in disk order, for one).
   */
  positionOf: Map<object, number>;
}

const linksByIndex = new WeakMap<InventoryIndex, StorageLinks>();

function push(map: Map<string, string[]>, key: string | null, value: string): void {
  if (key === null) return;
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function storageLinksOf(index: InventoryIndex): StorageLinks {
  const cached = linksByIndex.get(index);
  if (cached) return cached;
  const { inventory } = index;
  const links: StorageLinks = {
    vmIdsByHost: new Map(),
    hostVolumeIdsByHost: new Map(),
    vmIdsBySnapshotVolume: new Map(),
    hostVolumeIdsByShadowVolume: new Map(),
    hostVolumeIdsByArrayVolume: new Map(),
    arrayVolumeIdsByGroup: new Map(),
    positionOf: new Map(),
  };
  for (const section of Object.values(inventory) as object[][]) {
    for (let position = 0; position < section.length; position++)
      links.positionOf.set(section[position], position);
  }
  for (const vm of inventory.vms) {
    push(links.vmIdsByHost, vm.hostId, vm.id);
    push(links.vmIdsBySnapshotVolume, vm.snapshotLocationVolumeId, vm.id);
  }
  for (const volume of inventory.hostVolumes) {
    push(links.hostVolumeIdsByHost, volume.hostId, volume.id);
    push(links.hostVolumeIdsByShadowVolume, volume.shadowStorageVolumeId, volume.id);
    push(links.hostVolumeIdsByArrayVolume, volume.arrayVolumeId, volume.id);
  }
  for (const lun of inventory.arrayVolumes) push(links.arrayVolumeIdsByGroup, lun.consistencyGroupId, lun.id);
  linksByIndex.set(index, links);
  return links;
}

/**
 * The index with the host's new facts. Only the host record changes: which VMs and volumes a host
 * has is told by them (their hostId), so the storage links stay valid and are carried over.
 */
export function withHost(index: InventoryIndex, host: Host): InventoryIndex {
  if (!index.hostsById.has(host.id)) throw new Error(`Host '${host.id}' is not in the inventory`);
  const hostsById = new Map(index.hostsById);
  hostsById.set(host.id, host);
  const inventory: Inventory = {
    ...index.inventory,
    hosts: index.inventory.hosts.map((known) => (known.id === host.id ? host : known)),
  };
  const next: InventoryIndex = { ...index, inventory, hostsById };
  // Built on the index once (O(estate)) and handed on, so a chain of host changes never rebuilds it.
  const links = storageLinksOf(index);
  const previous = index.hostsById.get(host.id);
  if (previous) links.positionOf.set(host, links.positionOf.get(previous) ?? 0);
  linksByIndex.set(next, links);
  return next;
}

/** The storage component of the host (see the file comment), as an inventory of its own. */
export function storageComponentOfHost(index: InventoryIndex, hostId: string): Inventory {
  const links = storageLinksOf(index);
  const vmIds = new Set<string>();
  const volumeIds = new Set<string>();
  const lunIds = new Set<string>();
  const vmQueue: string[] = [];
  const volumeQueue: string[] = [];
  const lunQueue: string[] = [];
  const addVm = (id: string) => {
    if (!vmIds.has(id) && index.vmsById.has(id)) {
      vmIds.add(id);
      vmQueue.push(id);
    }
  };
  const addVolume = (id: string | null) => {
    if (id !== null && !volumeIds.has(id) && index.hostVolumesById.has(id)) {
      volumeIds.add(id);
      volumeQueue.push(id);
    }
  };
  const addLun = (id: string | null) => {
    if (id !== null && !lunIds.has(id) && index.arrayVolumesById.has(id)) {
      lunIds.add(id);
      lunQueue.push(id);
    }
  };
  for (const id of links.vmIdsByHost.get(hostId) ?? []) addVm(id);
  for (const id of links.hostVolumeIdsByHost.get(hostId) ?? []) addVolume(id);

  while (vmQueue.length + volumeQueue.length + lunQueue.length > 0) {
    const vmId = vmQueue.pop();
    if (vmId !== undefined) {
      addVolume(index.vmsById.get(vmId)?.snapshotLocationVolumeId ?? null);
      for (const disk of index.disksByVm.get(vmId) ?? []) {
        addVolume(disk.hostVolumeId);
        addLun(disk.arrayVolumeId);
      }
      continue;
    }
    const volumeId = volumeQueue.pop();
    if (volumeId !== undefined) {
      const volume = index.hostVolumesById.get(volumeId);
      addVolume(volume?.shadowStorageVolumeId ?? null);
      addLun(volume?.arrayVolumeId ?? null);
      for (const id of index.vmIdsByHostVolume.get(volumeId) ?? []) addVm(id);
      for (const id of links.vmIdsBySnapshotVolume.get(volumeId) ?? []) addVm(id);
      for (const id of links.hostVolumeIdsByShadowVolume.get(volumeId) ?? []) addVolume(id);
      continue;
    }
    const lunId = lunQueue.pop();
    if (lunId !== undefined) {
      for (const id of index.vmIdsByArrayVolume.get(lunId) ?? []) addVm(id);
      for (const id of links.hostVolumeIdsByArrayVolume.get(lunId) ?? []) addVolume(id);
      const groupId = index.arrayVolumesById.get(lunId)?.consistencyGroupId ?? null;
      for (const id of groupId === null ? [] : (links.arrayVolumeIdsByGroup.get(groupId) ?? [])) addLun(id);
    }
  }
  return componentInventory(index, links, hostId, { vmIds, volumeIds, lunIds });
}

function componentInventory(
  index: InventoryIndex,
  links: StorageLinks,
  hostId: string,
  ids: { vmIds: Set<string>; volumeIds: Set<string>; lunIds: Set<string> },
): Inventory {
  const inStorageOrder = <T extends object>(rows: T[]): T[] =>
    rows.sort((a, b) => (links.positionOf.get(a) ?? 0) - (links.positionOf.get(b) ?? 0));
  const pick = <T extends object>(wanted: Iterable<string>, byId: Map<string, T>): T[] => {
    const rows: T[] = [];
    for (const id of wanted) {
      const row = byId.get(id);
      if (row !== undefined) rows.push(row);
    }
    return inStorageOrder(rows);
  };
  const { vmIds, volumeIds, lunIds } = ids;
  const vms = pick(vmIds, index.vmsById);
  const hostVolumes = pick(volumeIds, index.hostVolumesById);
  const arrayVolumes = pick(lunIds, index.arrayVolumesById);
  const hostIds = new Set([hostId, ...vms.map((vm) => vm.hostId), ...hostVolumes.map((v) => v.hostId)]);
  const groupIds = new Set(
    arrayVolumes.flatMap((lun) => (lun.consistencyGroupId ? [lun.consistencyGroupId] : [])),
  );
  const consistencyGroups = pick(groupIds, index.consistencyGroupsById);
  const arrayIds = new Set([...arrayVolumes, ...consistencyGroups].map((row) => row.arrayId));
  return {
    hosts: pick(hostIds, index.hostsById),
    hostVolumes,
    vms,
    virtualDisks: inStorageOrder(vms.flatMap((vm) => index.disksByVm.get(vm.id) ?? [])),
    guestVolumes: inStorageOrder(vms.flatMap((vm) => index.guestVolumesByVm.get(vm.id) ?? [])),
    arrays: pick(arrayIds, index.arraysById),
    arrayVolumes,
    consistencyGroups,
  };
}

/**
 * The assessments that change when the host's facts change: every VM of the host's storage
 * component, evaluated on that component alone. `index` already holds the host's new facts
 * (withHost). The other VMs' assessments stay as they were.
 */
export function evaluateAroundHost(index: InventoryIndex, hostId: string): VmAssessment[] {
  const component = storageComponentOfHost(index, hostId);
  // The component's VMs are its index's own objects, each once: assessed as the whole estate is.
  return assessVms(indexInventory(component), component.vms);
}
