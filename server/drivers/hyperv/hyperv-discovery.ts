/**
 * Discovery: what one Hyper-V host holds, read with three scripts (host-facts, list-vms and, per
 * running VM with a guest credential, guest-facts through PowerShell Direct) and mapped onto
 * Migawka's inventory model, plus the facts the model has no column for (`HostFacts`).
 *
 * - Ids: `hv:<vm guid>` for VMs (Hyper-V's VM id survives renames and moves), `hv:<vm guid>:<slot>`
 *   for disks (controller type-number-location), `hv:<computer>:<volume guid>` for host volumes.
 * - Unknown is not OK: a guest fact that could not be read (no guest credential, VM not running,
 *   PowerShell Direct refused) is not guessed. The VM gets no guest volumes and no applications,
 *   and `HostFacts.guests` records the fact as unknown with the reason, which sync and "test
 *   connection" show.
 * - The integration service "Backup (volume shadow copy)" is found by its component id (names are
 *   localized), falling back to the English name `VSS`.
 */
import type {
  Application,
  FileSystem,
  GuestVolume,
  Host,
  HostVolume,
  IntegrationServiceState,
  Inventory,
  VirtualDisk,
  Vm,
} from '../../engine/inventory';
import { FILE_SYSTEMS, guestVolumeInventoryId } from '../../engine/inventory';
import type { CallOptions } from '../call';
import type { HypervClient } from './hyperv-client';
import { toDriverError } from './hyperv-errors';
import {
  CHECKPOINT_TYPES,
  type GuestFactsRecord,
  guestFactsSchema,
  type HostFactsRecord,
  hostFactsSchema,
  parseVssWriters,
  powerStateOf,
  powerStateUnknownOf,
  unknownStateWords,
  VHD_FORMATS,
  VHD_TYPES,
  type VmRecord,
  type VssWriter,
  vmListSchema,
} from './hyperv-records';

export const HYPERV_CONNECTOR = 'hyperv';
/** Component id of the VSS ("Backup (volume shadow copy)") integration service, the tail of its Id. */
export const VSS_COMPONENT_ID = '35FA2E29-EA23-4236-96AE-3A6EBACBA440';
/** Win32_ShadowStorage.MaxSpace for "UNBOUNDED" is UINT64_MAX; anything ≥ 2^63 means no limit. */
const UNBOUNDED = 2 ** 63;

export interface GuestCredential {
  user: string;
  password: string;
}

/** What reading a guest gave: its facts, or why they are unknown. */
export type GuestRead = { vmId: string; facts: GuestFactsRecord } | { vmId: string; unknown: string };

export interface HostRecords {
  host: HostFactsRecord;
  vms: VmRecord[];
  guests: GuestRead[];
}

export const vmInventoryId = (vmGuid: string): string => `hv:${vmGuid.toLowerCase()}`;
export const vmGuidOf = (vmId: string): string | null =>
  vmId.startsWith('hv:') ? vmId.slice(3).split(':')[0] : null;
export const diskInventoryId = (
  vmGuid: string,
  drive: { ControllerType: number; ControllerNumber: number; ControllerLocation: number },
) =>
  `${vmInventoryId(vmGuid)}:${drive.ControllerType === 0 ? 'ide' : 'scsi'}${drive.ControllerNumber}-${drive.ControllerLocation}`;
export const hostInventoryId = (computerName: string): string => `hv-host:${computerName.toLowerCase()}`;

function volumeGuid(deviceId: string): string {
  return /\{([0-9a-f-]+)\}/i.exec(deviceId)?.[1]?.toLowerCase() ?? deviceId.toLowerCase();
}

/** Reads a guest through PowerShell Direct; a failure is an unknown with its reason, not an error. */
async function readGuest(
  client: HypervClient,
  vm: VmRecord,
  credential: GuestCredential | null,
  options: CallOptions,
): Promise<GuestRead> {
  const vmId = vmInventoryId(vm.Id);
  if (!credential) return { vmId, unknown: 'no guest credential is set on the connection' };
  const power = powerStateOf(vm);
  if (!power) return { vmId, unknown: unknownStateWords(vm.Name, vm) };
  if (power !== 'running') return { vmId, unknown: `${vm.Name} is not running` };
  try {
    const facts = await client.run('guest-facts', { vmId: vm.Id, ...credential }, guestFactsSchema, options);
    return { vmId, facts };
  } catch (error) {
    if (options.signal.aborted) throw error;
    const mapped = toDriverError(error, `PowerShell Direct to ${vm.Name}`);
    return { vmId, unknown: mapped instanceof Error ? mapped.message : String(mapped) };
  }
}

export async function readHostRecords(
  client: HypervClient,
  guestCredential: GuestCredential | null,
  options: CallOptions,
): Promise<HostRecords> {
  const host = await client.run('host-facts', {}, hostFactsSchema, options);
  if (!host.IsElevated || !host.HasHyperVModule) {
    // list-vms would fail the same way; host-facts already says why, in words the admin can act on.
    return { host, vms: [], guests: [] };
  }
  const vms = await client.run('list-vms', {}, vmListSchema, options);
  const guests: GuestRead[] = [];
  for (const vm of vms) guests.push(await readGuest(client, vm, guestCredential, options));
  return { host, vms, guests };
}

/** Facts beside the inventory: what the model has no column for, and what stayed unknown. */
export interface HypervHostFacts {
  computerName: string;
  osVersion: string;
  psVersion: string;
  isElevated: boolean;
  hasHyperVModule: boolean;
  isWindowsServerBackupInstalled: boolean | null;
  hostWriters: VssWriter[];
  vms: {
    id: string;
    name: string;
    generation: number;
    version: string;
    checkpointType: string;
    configurationPath: string;
    snapshotFileLocation: string | null;
    checkpoints: { id: string; name: string; createdAt: Date }[];
    disks: {
      id: string;
      path: string | null;
      format: string | null;
      type: string | null;
      parentPath: string | null;
      diskNumber: number | null;
    }[];
  }[];
  guests: (
    | { vmId: string; isKnown: true; writers: VssWriter[]; failedWriters: string[] }
    | { vmId: string; isKnown: false; reason: string }
  )[];
}

const FILE_SYSTEM_NAMES: Record<string, FileSystem> = Object.fromEntries(
  FILE_SYSTEMS.map((name) => [name.toUpperCase(), name]),
);

function fileSystemOf(name: string | null): FileSystem | null {
  return name ? (FILE_SYSTEM_NAMES[name.toUpperCase()] ?? null) : null;
}

/** NTFS and ReFS volumes take VSS snapshots; FAT does not. */
const isVssCapable = (fileSystem: string | null) => /^(NTFS|ReFS)$/i.test(fileSystem ?? '');

function integrationState(vm: VmRecord): IntegrationServiceState {
  const vss =
    vm.IntegrationServices.find((service) => service.Id.toUpperCase().endsWith(VSS_COMPONENT_ID)) ??
    vm.IntegrationServices.find((service) => service.Name === 'VSS');
  if (!vss) return 'missing';
  // Enabled on the host is not enough: the guest must answer (status 2, OK); 12 "No Contact" is not
  // running. The description text is localized, so it is only a fallback for hosts without the number.
  const isOk =
    vss.PrimaryOperationalStatus !== null
      ? vss.PrimaryOperationalStatus === 2
      : vss.PrimaryStatusDescription === 'OK';
  return vss.Enabled && isOk ? 'running' : 'stopped';
}

function applicationsOf(facts: GuestFactsRecord): Application[] {
  const running = facts.Services.filter((service) => service.Status === 4 || service.Status === 'Running');
  const found = new Set<Application>();
  for (const service of running) {
    if (/^MSSQL(SERVER|\$)/i.test(service.Name)) found.add('sqlserver');
    else if (/^MSExchangeIS$/i.test(service.Name)) found.add('exchange');
    else if (/^NTDS$/i.test(service.Name)) found.add('other');
  }
  return [...found];
}

type VolumeOfPath = (path: string | null) => HostVolume | null;
type VmFacts = HypervHostFacts['vms'][number];
type GuestFacts = HypervHostFacts['guests'][number];

/** The host's drive-letter and CSV volumes, and the volume under a path. */
function mapHostVolumes(
  host: HostFactsRecord,
  hostId: string,
): { hostVolumes: HostVolume[]; volumeOfPath: VolumeOfPath } {
  const volumeIdOf = (deviceId: string) => `${hostId}:${volumeGuid(deviceId)}`;
  const hostVolumes: HostVolume[] = host.Volumes.filter(
    (volume) => volume.Name && /^[A-Z]:\\|^[A-Z]:\\ClusterStorage/i.test(volume.Name),
  ).map((volume) => {
    const storage = host.ShadowStorage.find((association) => association.Volume === volume.DeviceID);
    const isCsv = host.ClusterSharedVolumes.some((csv) =>
      volume.Name?.toLowerCase().startsWith(csv.Path.toLowerCase()),
    );
    return {
      id: volumeIdOf(volume.DeviceID),
      hostId,
      name: (volume.Name ?? '').replace(/\\$/, ''),
      kind: isCsv ? 'csv' : 'volume',
      sizeBytes: volume.Capacity ?? null,
      freeBytes: volume.FreeSpace ?? null,
      vssEnabled: isVssCapable(volume.FileSystem),
      shadowStorageVolumeId: storage ? volumeIdOf(storage.DiffVolume) : null,
      shadowStorageLimitBytes: storage && storage.MaxSpace < UNBOUNDED ? storage.MaxSpace : null,
      arrayVolumeId: null,
      // The disk under it (Get-Disk UniqueId: a SAN LUN's NAA id) links it to its array LUN.
      deviceId: volume.DiskUniqueId ?? null,
    };
  });
  // The volume under a path: the longest volume name that prefixes it (a CSV mount beats C:).
  const byLength = [...hostVolumes].sort((a, b) => b.name.length - a.name.length);
  const volumeOfPath: VolumeOfPath = (path) =>
    path
      ? (byLength.find((volume) => path.toLowerCase().startsWith(volume.name.toLowerCase())) ?? null)
      : null;
  return { hostVolumes, volumeOfPath };
}

/** One VM's drives: as inventory disks, and as the facts (paths, formats) beside them. */
function mapVmDrives(
  record: VmRecord,
  volumeOfPath: VolumeOfPath,
): { virtualDisks: VirtualDisk[]; disks: VmFacts['disks'] } {
  const id = vmInventoryId(record.Id);
  const virtualDisks: VirtualDisk[] = [];
  const disks: VmFacts['disks'] = [];
  for (const drive of record.HardDrives) {
    const diskId = diskInventoryId(record.Id, drive);
    const isPassthrough = drive.DiskNumber !== null;
    // While a checkpoint exists the drive runs on an AVHDX; its volume is the base disk's too.
    const file = drive.Vhd?.ParentPath ?? drive.Path;
    virtualDisks.push({
      id: diskId,
      vmId: id,
      name: isPassthrough ? `Disk ${drive.DiskNumber} (pass-through)` : (file?.split('\\').at(-1) ?? diskId),
      kind: isPassthrough ? 'passthrough' : 'vhdx',
      // A pass-through disk has no VHD to read a size from; a VHD the host cannot open answers none.
      sizeBytes: drive.Vhd?.Size ?? null,
      hostVolumeId: isPassthrough ? null : (volumeOfPath(file)?.id ?? null),
      arrayVolumeId: null,
    });
    disks.push({
      id: diskId,
      path: isPassthrough ? null : drive.Path,
      format: drive.Vhd ? (VHD_FORMATS[drive.Vhd.VhdFormat] ?? String(drive.Vhd.VhdFormat)) : null,
      type: drive.Vhd ? (VHD_TYPES[drive.Vhd.VhdType] ?? String(drive.Vhd.VhdType)) : null,
      parentPath: drive.Vhd?.ParentPath ?? null,
      diskNumber: drive.DiskNumber,
    });
  }
  return { virtualDisks, disks };
}

/** What PowerShell Direct read inside one guest: its volumes and VSS writers, or why nothing was read. */
function mapGuest(
  vmId: string,
  guest: GuestRead | undefined,
): { guestVolumes: GuestVolume[]; facts: GuestFacts } {
  const guestFacts = guest && 'facts' in guest ? guest.facts : null;
  if (!guestFacts) {
    return {
      guestVolumes: [],
      facts: { vmId, isKnown: false, reason: guest && 'unknown' in guest ? guest.unknown : 'not read' },
    };
  }
  const letterOf = new Map(guestFacts.Volumes.map((volume) => [volume.DeviceID, volume.DriveLetter]));
  const guestVolumes: GuestVolume[] = [];
  for (const volume of guestFacts.Volumes) {
    const fileSystem = fileSystemOf(volume.FileSystem);
    if (!fileSystem) continue; // a file system the model does not know (e.g. exFAT, CDFS) has no rule
    const storage = guestFacts.ShadowStorage.find((association) => association.Volume === volume.DeviceID);
    guestVolumes.push({
      id: guestVolumeInventoryId(vmId, volume.DriveLetter),
      vmId,
      mountPoint: volume.DriveLetter,
      fileSystem,
      diskType: volume.IsDynamic ? 'dynamic' : 'basic',
      vssEnabled: isVssCapable(volume.FileSystem),
      shadowStorageOn: storage ? (letterOf.get(storage.DiffVolume) ?? null) : null,
      diskId: null,
    });
  }
  const writers = parseVssWriters(guestFacts.VssWriters);
  return {
    guestVolumes,
    facts: {
      vmId,
      isKnown: true,
      writers,
      // VSS writer state 1 is Stable; 5 is waiting for completion, 7+ are failures.
      failedWriters: writers
        .filter((writer) => writer.state !== null && writer.state >= 7)
        .map((writer) => writer.name),
    },
  };
}

/** Maps one host's records onto inventory sections (connector `hyperv`) and the facts beside them. */
export function mapHost(records: HostRecords): { inventory: Inventory; facts: HypervHostFacts } {
  const { host } = records;
  const hostId = hostInventoryId(host.ComputerName);
  const { hostVolumes, volumeOfPath } = mapHostVolumes(host, hostId);
  const guestsById = new Map(records.guests.map((guest) => [guest.vmId, guest]));
  const vms: Vm[] = [];
  const virtualDisks: VirtualDisk[] = [];
  const guestVolumes: GuestVolume[] = [];
  const facts: HypervHostFacts = {
    computerName: host.ComputerName,
    osVersion: host.OsVersion,
    psVersion: host.PSVersion,
    isElevated: host.IsElevated,
    hasHyperVModule: host.HasHyperVModule,
    isWindowsServerBackupInstalled: host.WindowsServerBackupInstalled,
    hostWriters: parseVssWriters(host.VssWriters),
    vms: [],
    guests: [],
  };
  for (const record of records.vms) {
    const id = vmInventoryId(record.Id);
    const guest = guestsById.get(id);
    const guestFacts = guest && 'facts' in guest ? guest.facts : null;
    const firstVhd = record.HardDrives.find((drive) => drive.DiskNumber === null);
    const snapshotVolume = volumeOfPath(record.SnapshotFileLocation);
    const diskVolume = volumeOfPath(firstVhd?.Path ?? record.Path);
    vms.push({
      id,
      name: record.Name,
      hostId,
      // PowerShell Direct only reaches Windows guests; without it the family is not read (see docs).
      osFamily: 'windows',
      // A state not known here is not taken for off: assumed live, so no restore overwrites the VM
      // unasked and no backup plans to copy its files as if it were off (the run's live check,
      // getPowerState, then refuses the state by name). That assumption is planning, not a fact:
      // powerStateUnknown says the state was not read and what Hyper-V reported instead.
      powerState: powerStateOf(record) ?? 'running',
      powerStateUnknown: powerStateUnknownOf(record),
      applications: guestFacts ? applicationsOf(guestFacts) : [],
      backupIntegrationService: integrationState(record),
      hasXenVssProvider: false,
      snapshotLocationVolumeId:
        snapshotVolume && snapshotVolume.id !== diskVolume?.id ? snapshotVolume.id : null,
      hasFreezeScripts: false,
      dailyChangeBytes: 0,
      tags: [],
      guestFactsUnknown: guestFacts
        ? null
        : guest && 'unknown' in guest
          ? guest.unknown
          : 'the guest was not read',
    });
    const drives = mapVmDrives(record, volumeOfPath);
    virtualDisks.push(...drives.virtualDisks);
    facts.vms.push({
      id,
      name: record.Name,
      generation: record.Generation,
      version: record.Version,
      checkpointType: CHECKPOINT_TYPES[record.CheckpointType] ?? String(record.CheckpointType),
      configurationPath: record.Path,
      snapshotFileLocation: record.SnapshotFileLocation,
      checkpoints: record.Checkpoints.map((checkpoint) => ({
        id: checkpoint.Id,
        name: checkpoint.Name,
        createdAt: checkpoint.CreationTime,
      })),
      disks: drives.disks,
    });
    const inGuest = mapGuest(id, guest);
    guestVolumes.push(...inGuest.guestVolumes);
    facts.guests.push(inGuest.facts);
  }
  const hostRow: Host = {
    id: hostId,
    name: host.ComputerName,
    kind: 'hyperv',
    version: host.OsVersion,
    pool: null,
    // Production checkpoints through this connector use the Hyper-V VSS writer: a VSS-aware product.
    hasVssAwareProduct: true,
    offersQuiescedSnapshots: false,
    connector: HYPERV_CONNECTOR,
  };
  return {
    inventory: {
      hosts: [hostRow],
      hostVolumes,
      vms,
      virtualDisks,
      guestVolumes,
      arrays: [],
      arrayVolumes: [],
      consistencyGroups: [],
    },
    facts,
  };
}
