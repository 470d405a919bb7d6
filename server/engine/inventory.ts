/**
 * The infrastructure model the engine reasons about (docs/domain.md §1).
 *
 * Objects reference each other by id, exactly as they are stored and imported, so the same
 * shapes serve the JSON import format, the database rows and the engine. `InventoryIndex`
 * adds the lookups the rules need, built once per evaluation so that evaluating a whole
 * estate is linear in its size (no query per rule per VM).
 */

export const HYPERVISOR_KINDS = ['hyperv', 'xenserver'] as const;
export type HypervisorKind = (typeof HYPERVISOR_KINDS)[number];

export const OS_FAMILIES = ['windows', 'linux'] as const;
export type OsFamily = (typeof OS_FAMILIES)[number];

export const POWER_STATES = ['running', 'off', 'saved', 'paused'] as const;
export type PowerState = (typeof POWER_STATES)[number];

export const APPLICATIONS = ['sqlserver', 'exchange', 'other'] as const;
export type Application = (typeof APPLICATIONS)[number];

/** Hyper-V "Backup (volume shadow copy)" integration service inside the guest. */
export const INTEGRATION_SERVICE_STATES = ['running', 'stopped', 'missing'] as const;
export type IntegrationServiceState = (typeof INTEGRATION_SERVICE_STATES)[number];

export const DISK_KINDS = ['vhdx', 'vdi', 'passthrough'] as const;
export type DiskKind = (typeof DISK_KINDS)[number];

/** How a XenServer VDI is stored on its SR (xapi `sm_config.vdi_type`: `vhd`; `aio`/`raw` = raw). */
export const DISK_STORAGE_FORMATS = ['vhd', 'raw'] as const;
export type DiskStorageFormat = (typeof DISK_STORAGE_FORMATS)[number];

export const FILE_SYSTEMS = ['ntfs', 'refs', 'fat', 'fat32', 'ext4', 'xfs', 'btrfs'] as const;
export type FileSystem = (typeof FILE_SYSTEMS)[number];

export const GUEST_DISK_TYPES = ['basic', 'dynamic'] as const;
export type GuestDiskType = (typeof GUEST_DISK_TYPES)[number];

export const ARRAY_VENDORS = ['netapp', 'equallogic', 'other'] as const;
export type ArrayVendor = (typeof ARRAY_VENDORS)[number];

/** The embedded, file-backed connector every host and array uses unless the inventory names another. */
export const DEFAULT_CONNECTOR = 'lab';

export const HOST_VOLUME_KINDS = ['volume', 'csv', 'sr'] as const;
export type HostVolumeKind = (typeof HOST_VOLUME_KINDS)[number];

/**
 * Whether Windows Server Backup has somewhere to write for a host (the wsb-volume method):
 * - 'named': the Hyper-V connection that reads the host names a target (a volume or a share);
 * - 'none': no connection names one (an admin cleared it, or no connection reads the host):
 *   wbadmin has nowhere to write, so wsb-volume is unavailable;
 * - 'lab': the embedded lab connector writes WSB backups into its own files and needs no target.
 */
export const WSB_TARGET_STATES = ['named', 'none', 'lab'] as const;
export type WsbTargetState = (typeof WSB_TARGET_STATES)[number];

export interface Host {
  id: string;
  name: string;
  kind: HypervisorKind;
  version: string;
  /** XenServer pool the host belongs to; null for stand-alone hosts and Hyper-V. */
  pool: string | null;
  /** A VSS-aware backup product (Migawka's agent) is usable; false means only Windows Server Backup. */
  hasVssAwareProduct: boolean;
  /** XenServer: whether this release still offers quiesced (VSS) snapshots. Ignored for Hyper-V. */
  offersQuiescedSnapshots: boolean;
  /** Which connector manages the host (the driver registry resolves its hypervisor driver by it). */
  connector: string;
  /**
   * Whether WSB has a target on the host (WSB_TARGET_STATES). Not an imported fact: the stores set
   * it from the host's connection each time they load the host, so an admin's change counts at once,
   * without a sync. Absent (an inventory built elsewhere, a test): 'lab' for a host of the lab
   * connector, else 'none' — a target nobody named is never assumed (wsbTargetOf).
   */
  wsbTarget?: WsbTargetState;
}

/** The host's WSB target state, with the default for an absent one (see Host.wsbTarget). */
export function wsbTargetOf(host: Pick<Host, 'wsbTarget' | 'connector'>): WsbTargetState {
  return host.wsbTarget ?? (host.connector === DEFAULT_CONNECTOR ? 'lab' : 'none');
}

/** A volume of the host (Hyper-V: D:, a CSV) or a XenServer storage repository. */
export interface HostVolume {
  id: string;
  hostId: string;
  name: string;
  kind: HostVolumeKind;
  /**
   * Capacity and free space; null = not read (Hyper-V reports no Capacity or FreeSpace for a volume
   * it cannot query). Never taken as 0: an empty volume and an unread one mean different things.
   */
  sizeBytes: number | null;
  freeBytes: number | null;
  vssEnabled: boolean;
  /** Host volume that holds this volume's shadow storage (normally itself); null when none is configured. */
  shadowStorageVolumeId: string | null;
  /** Maximum size of the shadow storage area; null = unbounded. */
  shadowStorageLimitBytes: number | null;
  /** Array volume / LUN behind this host volume, if any. */
  arrayVolumeId: string | null;
  /**
   * The SCSI identity of the block device under it as the host reports it (Windows disk UniqueId,
   * XenServer SR SCSIid): links it to its LUN by `ArrayVolume.naaId` (engine/device-ids.ts).
   */
  deviceId?: string | null;
  /** XenServer SR: its type as the pool reports it (`lvmoiscsi`, `nfs`, `ext`, …); null = not read. */
  storageType?: string | null;
  /** XenServer SR: shared by the pool's hosts (SR.shared); null = not read. */
  isShared?: boolean | null;
  /**
   * XenServer SR: its storage driver can snapshot virtual disks (SM feature `VDI_SNAPSHOT`). False
   * means xen-snapshot cannot run on its disks; null = not read, reported unknown, never assumed fine.
   */
  canSnapshot?: boolean | null;
}

export interface Vm {
  id: string;
  name: string;
  hostId: string;
  osFamily: OsFamily;
  powerState: PowerState;
  applications: Application[];
  /** Hyper-V Backup integration service; null for XenServer guests. */
  backupIntegrationService: IntegrationServiceState | null;
  /** XenServer: the Xen VSS provider is installed in the (Windows) guest. */
  hasXenVssProvider: boolean;
  /** Hyper-V: host volume holding the VM's checkpoint (snapshot) files; null = beside its VHDs. */
  snapshotLocationVolumeId: string | null;
  /** Pre-freeze / post-thaw scripts are configured for the VM's applications. */
  hasFreezeScripts: boolean;
  /** Bytes the VM changes per day; sizes shadow storage and deltas. */
  dailyChangeBytes: number;
  tags: string[];
  /**
   * When a sync of the VM's host stopped seeing it (removed or moved away); absent or null while the
   * host lists it. A gone VM keeps its restore points and jobs but is not backed up.
   */
  goneSince?: Date | null;
  /**
   * Why the guest's own facts (its volumes, their VSS and shadow storage, its applications) could
   * not be read — no guest credential, the VM not running, PowerShell Direct refused. Absent or
   * null when they were read or the inventory states them. Unknown is reported, never assumed fine.
   */
  guestFactsUnknown?: string | null;
  /**
   * Why the power state could not be read, with what the hypervisor reported instead (Hyper-V:
   * "Hyper-V reports state Hibernated (32783), which Migawka does not know"). `powerState` then
   * holds the state planned for safety, not a fact: running, so no restore overwrites the VM unasked
   * and no backup copies its files as if it were off; a run reads the state again and stops while it
   * is still unknown. Absent or null when the state was read or the inventory states it.
   */
  powerStateUnknown?: string | null;
  /**
   * XenServer: the SR (host volume id) a memory checkpoint writes the VM's RAM image to — the VM's
   * suspend_SR, else the pool's suspend_image_SR, else its host's suspend_image_sr, the first its
   * host sees (xapi's choose_suspend_sr). Absent or null: none is set, or not read.
   */
  suspendSrVolumeId?: string | null;
  /** XenServer: the VM's memory (memory_static_max), the size of a checkpoint's RAM image; null = not read. */
  memoryBytes?: number | null;
}

export interface VirtualDisk {
  id: string;
  vmId: string;
  name: string;
  kind: DiskKind;
  /**
   * Virtual size; null = not read: Hyper-V reads a VHD's size with Get-VHD, which a pass-through
   * disk does not have and a VHD the host cannot open (moved, locked, on a share) does not answer.
   */
  sizeBytes: number | null;
  /** Host volume / SR holding the VHDX or VDI; null for pass-through disks. */
  hostVolumeId: string | null;
  /** Array LUN presented straight to the VM (pass-through); null otherwise. */
  arrayVolumeId: string | null;
  /**
   * XenServer VDI: stored as a VHD or raw on its SR; null/absent = not read (never assumed one of
   * them: only raw and VHD disks can be copied out of an array snapshot, XS-ARRAY-COPY-VHD).
   */
  storageFormat?: DiskStorageFormat | null;
}

export interface GuestVolume {
  id: string;
  vmId: string;
  /** Drive letter or mount point as the guest sees it: "C:", "D:", "/var". */
  mountPoint: string;
  fileSystem: FileSystem;
  diskType: GuestDiskType;
  vssEnabled: boolean;
  /** Mount point of the guest volume holding this volume's shadow storage; null = not configured. */
  shadowStorageOn: string | null;
  /** Virtual disk the volume lives on, when known. */
  diskId: string | null;
}

/**
 * The id a connector's sync gives a guest volume it read (`<vm id>:<drive letter>`, "C:" → "c"):
 * a VM the runner records (a restore as new) takes the same, so a later read updates it in place.
 */
export const guestVolumeInventoryId = (vmId: string, mountPoint: string): string =>
  `${vmId}:${mountPoint.replace(':', '').toLowerCase()}`;

export interface StorageArray {
  id: string;
  name: string;
  vendor: ArrayVendor;
  supportsSnapshots: boolean;
  /** Which connector manages the array (the driver registry resolves its array driver by it). */
  connector: string;
}

export interface ArrayVolume {
  id: string;
  arrayId: string;
  name: string;
  /**
   * The LUN can be snapshotted now (online, on a writable volume with snapshot space); null = the
   * array did not say (a LUN without its state, a volume not listed): ARRAY-SNAPSHOT-UNKNOWN.
   */
  supportsSnapshots: boolean | null;
  consistencyGroupId: string | null;
  /** The LUN's SCSI NAA id (32 hex digits), as the array reports it: hosts see their disks by it. */
  naaId?: string | null;
}

export interface ConsistencyGroup {
  id: string;
  arrayId: string;
  name: string;
}

export interface Inventory {
  hosts: Host[];
  hostVolumes: HostVolume[];
  vms: Vm[];
  virtualDisks: VirtualDisk[];
  guestVolumes: GuestVolume[];
  arrays: StorageArray[];
  arrayVolumes: ArrayVolume[];
  consistencyGroups: ConsistencyGroup[];
}

export function emptyInventory(): Inventory {
  return {
    hosts: [],
    hostVolumes: [],
    vms: [],
    virtualDisks: [],
    guestVolumes: [],
    arrays: [],
    arrayVolumes: [],
    consistencyGroups: [],
  };
}

/** Lookups over an inventory, built once (O(n)) and shared by every rule. */
export interface InventoryIndex {
  inventory: Inventory;
  hostsById: Map<string, Host>;
  vmsById: Map<string, Vm>;
  hostVolumesById: Map<string, HostVolume>;
  arraysById: Map<string, StorageArray>;
  arrayVolumesById: Map<string, ArrayVolume>;
  consistencyGroupsById: Map<string, ConsistencyGroup>;
  disksByVm: Map<string, VirtualDisk[]>;
  guestVolumesByVm: Map<string, GuestVolume[]>;
  /** VM ids with at least one disk on the host volume. */
  vmIdsByHostVolume: Map<string, string[]>;
  /** VM ids with at least one disk on the array volume (through a host volume or pass-through). */
  vmIdsByArrayVolume: Map<string, string[]>;
}

function group<T>(items: T[], key: (item: T) => string | null): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    if (k === null) continue;
    const list = map.get(k);
    if (list) list.push(item);
    else map.set(k, [item]);
  }
  return map;
}

function byId<T extends { id: string }>(items: T[]): Map<string, T> {
  return new Map(items.map((item) => [item.id, item]));
}

function addUnique(map: Map<string, string[]>, key: string, value: string): void {
  const list = map.get(key);
  if (!list) map.set(key, [value]);
  else if (!list.includes(value)) list.push(value);
}

export function indexInventory(inventory: Inventory): InventoryIndex {
  const hostVolumesById = byId(inventory.hostVolumes);
  const vmIdsByHostVolume = new Map<string, string[]>();
  const vmIdsByArrayVolume = new Map<string, string[]>();
  for (const disk of inventory.virtualDisks) {
    if (disk.hostVolumeId) {
      addUnique(vmIdsByHostVolume, disk.hostVolumeId, disk.vmId);
      const arrayVolumeId = hostVolumesById.get(disk.hostVolumeId)?.arrayVolumeId;
      if (arrayVolumeId) addUnique(vmIdsByArrayVolume, arrayVolumeId, disk.vmId);
    }
    if (disk.arrayVolumeId) addUnique(vmIdsByArrayVolume, disk.arrayVolumeId, disk.vmId);
  }
  return {
    inventory,
    hostsById: byId(inventory.hosts),
    vmsById: byId(inventory.vms),
    hostVolumesById,
    arraysById: byId(inventory.arrays),
    arrayVolumesById: byId(inventory.arrayVolumes),
    consistencyGroupsById: byId(inventory.consistencyGroups),
    disksByVm: group(inventory.virtualDisks, (d) => d.vmId),
    guestVolumesByVm: group(inventory.guestVolumes, (g) => g.vmId),
    vmIdsByHostVolume,
    vmIdsByArrayVolume,
  };
}
