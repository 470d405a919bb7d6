/**
 * Discovery: what one pool holds, read with `*.get_all_records` (CONNECTORS.md §1.2) and mapped
 * onto Migawka's inventory model (server/engine/inventory.ts) plus the XAPI facts the model has no
 * column for (`PoolFacts`: SR types and SM features, CBT, the SCSI id behind each SR, API versions).
 *
 * - Ids are `xen:<uuid>`: XAPI uuids are stable across restarts and unique across pools, and the
 *   driver turns an inventory id back into a ref with `<class>.get_by_uuid`.
 * - VMs leave out templates, snapshots and control domains. XAPI marks snapshots as templates too,
 *   so the snapshot flag is read first; snapshots become restore points of their VM.
 * - Quiesced snapshots exist only before API 2.14 (Citrix Hypervisor 8.1 removed them); the host's
 *   `offersQuiescedSnapshots` says so, which the engine's XS-QUIESCE-UNAVAILABLE rule reads.
 * - A disk on a `udev` SR is a physical device: a pass-through disk in the model.
 */
import type {
  DiskStorageFormat,
  Host,
  HostVolume,
  Inventory,
  OsFamily,
  PowerState,
  VirtualDisk,
  Vm,
} from '../../engine/inventory';
import type { CallOptions } from '../call';
import type { XapiClient } from './xapi-client';
import {
  type GuestMetricsRecord,
  guestMetricsRecordSchema,
  type HostRecord,
  hostRecordSchema,
  NULL_REF,
  type PbdRecord,
  parseXapiDate,
  pbdRecordSchema,
  poolRecordSchema,
  recordsOf,
  type SmRecord,
  type SrRecord,
  smRecordSchema,
  srRecordSchema,
  type VbdRecord,
  type VdiRecord,
  type VmRecord,
  vbdRecordSchema,
  vdiRecordSchema,
  vmRecordSchema,
} from './xapi-records';

export const XAPI_CONNECTOR = 'xapi';

/** Everything discovery reads from one pool, by ref. */
export interface PoolRecords {
  pool: { uuid: string; name_label: string; master: string; suspend_image_SR: string };
  hosts: Record<string, HostRecord>;
  srs: Record<string, SrRecord>;
  sms: Record<string, SmRecord>;
  pbds: Record<string, PbdRecord>;
  vms: Record<string, VmRecord>;
  vbds: Record<string, VbdRecord>;
  vdis: Record<string, VdiRecord>;
  guestMetrics: Record<string, GuestMetricsRecord>;
}

export async function readPoolRecords(client: XapiClient, options: CallOptions): Promise<PoolRecords> {
  const all = <S extends Parameters<typeof recordsOf>[0]>(className: string, schema: S) =>
    client.call(`${className}.get_all_records`, [], recordsOf(schema), options);
  const [pools, hosts, srs, sms, pbds, vms, vbds, vdis, guestMetrics] = await Promise.all([
    all('pool', poolRecordSchema),
    all('host', hostRecordSchema),
    all('SR', srRecordSchema),
    all('SM', smRecordSchema),
    all('PBD', pbdRecordSchema),
    all('VM', vmRecordSchema),
    all('VBD', vbdRecordSchema),
    all('VDI', vdiRecordSchema),
    all('VM_guest_metrics', guestMetricsRecordSchema),
  ]);
  const pool = Object.values(pools)[0];
  if (!pool) throw new Error(`${client.label}: the pool answered no pool record`);
  return { pool, hosts, srs, sms, pbds, vms, vbds, vdis, guestMetrics };
}

export const xenId = (uuid: string): string => `xen:${uuid}`;
export const uuidOfXenId = (id: string): string | null => (id.startsWith('xen:') ? id.slice(4) : null);

/** API 2.14 (Citrix Hypervisor 8.1, "quebec") removed VM.snapshot_with_quiesce. */
export function offersQuiesce(host: Pick<HostRecord, 'API_version_major' | 'API_version_minor'>): boolean {
  return host.API_version_major < 2 || (host.API_version_major === 2 && host.API_version_minor < 14);
}

export function smFeatures(sm: SmRecord | undefined): string[] {
  if (!sm) return [];
  return Array.isArray(sm.features) ? sm.features : Object.keys(sm.features);
}

/**
 * Whether an SR's storage driver can snapshot its VDIs: the SM record whose type is the SR's lists
 * VDI_SNAPSHOT (CONNECTORS.md §1.3). No SM record of that type (not readable to this account, or
 * a driver the pool does not list) is unknown, not "cannot".
 */
function canSrSnapshot(records: Pick<PoolRecords, 'sms'>, sr: SrRecord): boolean | null {
  const sm = Object.values(records.sms).find((candidate) => candidate.type === sr.type);
  return sm ? smFeatures(sm).includes('VDI_SNAPSHOT') : null;
}

/** The SCSI id of the block device under an iSCSI / HBA SR (`PBD.device_config.SCSIid`). */
function scsiIdOf(records: Pick<PoolRecords, 'pbds'>, sr: SrRecord): string | null {
  return sr.PBDs.map((ref) => records.pbds[ref]?.device_config.SCSIid).find(Boolean) ?? null;
}

/** What the pool says that the inventory model has no column for. */
export interface SrFacts {
  id: string;
  type: string;
  isShared: boolean;
  /** The SR's driver can snapshot its VDIs (SM feature VDI_SNAPSHOT); null when the pool lists no SM driver of its type. */
  canSnapshot: boolean | null;
  /** A physical device SR (udev): its disks are pass-through. */
  isPhysical: boolean;
  /** `PBD.device_config.SCSIid` of iSCSI / HBA SRs: joins the SR to an array LUN. */
  scsiId: string | null;
}

export interface HostFacts {
  id: string;
  /** The host's name in the pool (name_label). */
  name: string;
  brand: string;
  productVersion: string;
  apiVersion: string;
  isMaster: boolean;
}

export interface DiskFacts {
  id: string;
  isCbtEnabled: boolean;
  /** A disk reset on every boot blocks snapshots (on_boot=reset). */
  resetsOnBoot: boolean;
}

/** A snapshot of a VM in the pool: a restore point of that VM. */
export interface PoolSnapshot {
  id: string;
  /** The VM it is a snapshot of; null when that VM was deleted on the pool (xapi keeps its snapshots). */
  vmId: string | null;
  name: string;
  takenAt: Date | null;
  powerStateAtSnapshot: string | null;
  isQuiesced: boolean;
  /** A memory checkpoint: Suspended, with a suspend VDI holding the VM's RAM. */
  includesMemory: boolean;
  /** The snapshot's own VDIs. */
  diskIds: string[];
  /** The VM's disks the snapshot holds a copy of (each snapshot VDI's `snapshot_of`). */
  sourceDiskIds: string[];
  /** What the snapshot's VDIs take on their SRs (`physical_utilisation`), its suspend VDI included. */
  sizeBytes: number;
}

export interface PoolFacts {
  poolName: string;
  hosts: HostFacts[];
  srs: SrFacts[];
  disks: DiskFacts[];
  snapshots: PoolSnapshot[];
  /** VMs' guest: OS name and whether PV drivers run (unknown = null, never assumed). */
  guests: { vmId: string; os: string | null; hasPvDrivers: boolean | null; canQuiesce: boolean | null }[];
}

const POWER: Record<VmRecord['power_state'], PowerState> = {
  Running: 'running',
  Halted: 'off',
  Suspended: 'saved',
  Paused: 'paused',
};

function osFamilyOf(metrics: GuestMetricsRecord | undefined): OsFamily {
  const name = `${metrics?.os_version.name ?? ''} ${metrics?.os_version.distro ?? ''}`.toLowerCase();
  return name.includes('windows') ? 'windows' : 'linux';
}

function applicationsOf(vm: VmRecord): Vm['applications'] {
  const tags = vm.tags.map((tag) => tag.toLowerCase());
  const found = (['sqlserver', 'exchange'] as const).filter((app) => tags.includes(app));
  return found;
}

const POWER_WORDS: Record<VmRecord['power_state'], string> = {
  Running: 'running',
  Halted: 'halted',
  Suspended: 'suspended',
  Paused: 'paused',
};

/**
 * Why the pool could not tell what runs in a VM's guest (`Vm.guestFactsUnknown`), or null when it
 * could. The guest reports itself through its PV drivers (XenServer VM Tools, xe-guest-utilities):
 * without guest metrics, or with the drivers not detected, the OS, applications and quiesce support
 * are unread, and the rules say so (XS-GUEST-FACTS-UNKNOWN) instead of assuming them fine.
 */
export function unreadGuestReason(vm: VmRecord, metrics: GuestMetricsRecord | undefined): string | null {
  if (metrics?.PV_drivers_detected) return null;
  if (metrics) return 'its PV drivers are not detected (the XenServer VM Tools are not running in it)';
  if (vm.power_state !== 'Running') {
    return `it was ${POWER_WORDS[vm.power_state]} when its pool was last read, so its guest reported nothing to the pool`;
  }
  return 'its guest reports no metrics to the pool (no XenServer VM Tools or xe-guest-utilities running in it)';
}

function isUserVm(vm: VmRecord): boolean {
  return !vm.is_a_snapshot && !vm.is_a_template && !vm.is_control_domain;
}

/** Disks (not CDs, not empty drives) of a VM record, in userdevice order. */
export function diskVdis(records: Pick<PoolRecords, 'vbds' | 'vdis'>, vm: VmRecord): [string, VdiRecord][] {
  return vm.VBDs.map((ref) => records.vbds[ref])
    .filter((vbd): vbd is VbdRecord => vbd !== undefined && vbd.type === 'Disk' && vbd.VDI !== NULL_REF)
    .sort((a, b) => Number(a.userdevice) - Number(b.userdevice))
    .flatMap((vbd) => {
      const vdi = records.vdis[vbd.VDI];
      return vdi ? [[vbd.VDI, vdi] as [string, VdiRecord]] : [];
    });
}

/** The pool's user VMs, their disks (a disk on a udev SR is pass-through), and what their guests report. */
/**
 * The SR a checkpoint of the VM writes its RAM image to, as xapi chooses it (choose_suspend_sr):
 * the VM's suspend_SR, else the pool's suspend_image_SR, else the host's suspend_image_sr, the first
 * that exists and that the VM's host sees (has a PBD for). Null when none: xapi answers VM_NO_SUSPEND_SR.
 */
function suspendSrOf(records: PoolRecords, vm: VmRecord, host: string): string | null {
  const candidates = [vm.suspend_SR, records.pool.suspend_image_SR, records.hosts[host]?.suspend_image_sr];
  for (const ref of candidates) {
    const sr = ref && ref !== NULL_REF ? records.srs[ref] : undefined;
    if (sr?.PBDs.some((pbd) => records.pbds[pbd]?.host === host)) return xenId(sr.uuid);
  }
  return null;
}

function mapVms(
  records: PoolRecords,
  hostId: (ref: string) => string,
  physicalSrs: ReadonlySet<string>,
): { vms: Vm[]; virtualDisks: VirtualDisk[]; guests: PoolFacts['guests'] } {
  const masterRef = records.pool.master;
  const vms: Vm[] = [];
  const virtualDisks: VirtualDisk[] = [];
  const guests: PoolFacts['guests'] = [];
  for (const vm of Object.values(records.vms)) {
    if (!isUserVm(vm)) continue;
    const metrics = vm.guest_metrics !== NULL_REF ? records.guestMetrics[vm.guest_metrics] : undefined;
    const runsOn = vm.resident_on !== NULL_REF ? vm.resident_on : vm.affinity;
    const canQuiesce = metrics
      ? metrics.other['feature-quiesce'] === '1' || metrics.other['feature-snapshot'] === '1'
      : null;
    const id = xenId(vm.uuid);
    vms.push({
      id,
      name: vm.name_label,
      hostId: records.hosts[runsOn] ? hostId(runsOn) : hostId(masterRef),
      osFamily: osFamilyOf(metrics),
      powerState: POWER[vm.power_state],
      applications: applicationsOf(vm),
      backupIntegrationService: null,
      hasXenVssProvider: canQuiesce === true,
      snapshotLocationVolumeId: null,
      hasFreezeScripts: false,
      dailyChangeBytes: 0,
      tags: vm.tags,
      guestFactsUnknown: unreadGuestReason(vm, metrics),
      suspendSrVolumeId: suspendSrOf(records, vm, runsOn),
      memoryBytes: vm.memory_static_max ?? null,
    });
    guests.push({
      vmId: id,
      os: metrics?.os_version.name ?? null,
      hasPvDrivers: metrics ? metrics.PV_drivers_detected : null,
      canQuiesce,
    });
    for (const [, vdi] of diskVdis(records, vm)) {
      const isPhysical = physicalSrs.has(vdi.SR);
      virtualDisks.push({
        id: xenId(vdi.uuid),
        vmId: id,
        name: vdi.name_label,
        kind: isPhysical ? 'passthrough' : 'vdi',
        sizeBytes: vdi.virtual_size,
        hostVolumeId: isPhysical || !records.srs[vdi.SR] ? null : xenId(records.srs[vdi.SR].uuid),
        arrayVolumeId: null,
        storageFormat: isPhysical ? null : storageFormatOf(vdi),
      });
    }
  }
  return { vms, virtualDisks, guests };
}

/**
 * The VDI's storage format by the SM's `sm_config.vdi_type`: `vhd` (LVHD's and file SRs' default)
 * or raw (`aio`, `raw`). Anything else, or no key, is null: not read, never assumed raw or VHD,
 * since only those can be copied out of an array snapshot (XS-ARRAY-COPY-VHD).
 */
export function storageFormatOf(vdi: VdiRecord): DiskStorageFormat | null {
  const type = vdi.sm_config.vdi_type;
  if (type === 'vhd') return 'vhd';
  if (type === 'aio' || type === 'raw') return 'raw';
  return null;
}

/** What the pool says beside the inventory: hosts and versions, SRs, disks' CBT, existing snapshots. */
function poolFactsOf(
  records: PoolRecords,
  userSrs: [string, SrRecord][],
  guests: PoolFacts['guests'],
): PoolFacts {
  const masterRef = records.pool.master;
  return {
    poolName: records.pool.name_label,
    hosts: Object.entries(records.hosts).map(([ref, host]) => ({
      id: xenId(host.uuid),
      name: host.name_label,
      brand: host.software_version.product_brand ?? 'unknown',
      productVersion: host.software_version.product_version ?? 'unknown',
      apiVersion: `${host.API_version_major}.${host.API_version_minor}`,
      isMaster: ref === masterRef,
    })),
    srs: userSrs.map(([, sr]) => ({
      id: xenId(sr.uuid),
      type: sr.type,
      isShared: sr.shared,
      canSnapshot: canSrSnapshot(records, sr),
      isPhysical: sr.type === 'udev',
      scsiId: scsiIdOf(records, sr),
    })),
    disks: Object.values(records.vdis)
      .filter((vdi) => !vdi.is_a_snapshot)
      .map((vdi) => ({
        id: xenId(vdi.uuid),
        isCbtEnabled: vdi.cbt_enabled,
        resetsOnBoot: vdi.on_boot === 'reset',
      })),
    snapshots: Object.values(records.vms)
      .filter((vm) => vm.is_a_snapshot)
      .map((snapshot) => poolSnapshotOf(records, snapshot)),
    guests,
  };
}

/**
 * One snapshot VM as a restore point of its VM. A checkpoint (`VM.checkpoint`) is a snapshot whose
 * record is Suspended with a suspend VDI holding the VM's RAM: its size counts that image too. A
 * snapshot whose VM was deleted on the pool (xapi keeps it; `snapshot_of` names no VM) has no VM.
 */
function poolSnapshotOf(records: PoolRecords, snapshot: VmRecord): PoolSnapshot {
  const of = records.vms[snapshot.snapshot_of];
  const memory = snapshot.suspend_VDI === NULL_REF ? undefined : records.vdis[snapshot.suspend_VDI];
  const disks = diskVdis(records, snapshot);
  return {
    id: xenId(snapshot.uuid),
    vmId: of && !of.is_a_snapshot ? xenId(of.uuid) : null,
    name: snapshot.name_label,
    takenAt: parseXapiDate(snapshot.snapshot_time),
    powerStateAtSnapshot: snapshot.snapshot_info['power-state-at-snapshot'] ?? null,
    isQuiesced: snapshot.snapshot_info.quiesced === 'true',
    includesMemory: snapshot.power_state === 'Suspended' && memory !== undefined,
    diskIds: disks.map(([, vdi]) => xenId(vdi.uuid)),
    sourceDiskIds: disks.flatMap(([, vdi]) => {
      const source = records.vdis[vdi.snapshot_of];
      return source ? [xenId(source.uuid)] : [];
    }),
    sizeBytes:
      disks.reduce((sum, [, vdi]) => sum + vdi.physical_utilisation, 0) + (memory?.physical_utilisation ?? 0),
  };
}

/** Maps one pool's records onto inventory sections (connector `xapi`) and the facts beside them. */
export function mapPool(records: PoolRecords): { inventory: Inventory; facts: PoolFacts } {
  const masterRef = records.pool.master;
  const master = records.hosts[masterRef];
  const hostId = (ref: string) => xenId(records.hosts[ref]?.uuid ?? '');
  const hosts: Host[] = Object.values(records.hosts).map((host) => ({
    id: xenId(host.uuid),
    name: host.name_label,
    kind: 'xenserver',
    version: host.software_version.product_version ?? 'unknown',
    pool: records.pool.name_label,
    hasVssAwareProduct: false,
    offersQuiescedSnapshots: offersQuiesce(host),
    connector: XAPI_CONNECTOR,
  }));
  const userSrs = Object.entries(records.srs).filter(([, sr]) => sr.content_type !== 'iso');
  const physicalSrs = new Set(userSrs.filter(([, sr]) => sr.type === 'udev').map(([ref]) => ref));
  const srOwner = (sr: SrRecord) => {
    // A shared SR belongs to the pool: the model keeps one host per volume, the master.
    if (sr.shared || !master) return hostId(masterRef);
    const pbd = sr.PBDs.map((ref) => records.pbds[ref]).find(Boolean);
    return pbd ? hostId(pbd.host) : hostId(masterRef);
  };
  const hostVolumes: HostVolume[] = userSrs
    .filter(([ref]) => !physicalSrs.has(ref))
    .map(([, sr]) => ({
      id: xenId(sr.uuid),
      hostId: srOwner(sr),
      name: sr.name_label,
      kind: 'sr',
      sizeBytes: sr.physical_size,
      freeBytes: Math.max(0, sr.physical_size - sr.physical_utilisation),
      vssEnabled: false,
      shadowStorageVolumeId: null,
      shadowStorageLimitBytes: null,
      arrayVolumeId: null,
      // The block device under an iSCSI / HBA SR: links the SR to its array LUN by NAA id.
      deviceId: scsiIdOf(records, sr),
      storageType: sr.type,
      isShared: sr.shared,
      canSnapshot: canSrSnapshot(records, sr),
    }));
  const { vms, virtualDisks, guests } = mapVms(records, hostId, physicalSrs);
  const facts = poolFactsOf(records, userSrs, guests);
  return {
    inventory: {
      hosts,
      hostVolumes,
      vms,
      virtualDisks,
      guestVolumes: [],
      arrays: [],
      arrayVolumes: [],
      consistencyGroups: [],
    },
    facts,
  };
}
