/**
 * How the demo lab (demo-lab.ts) writes its estate: a Windows or XenServer VM with the usual
 * defaults, a disk, a guest volume, a Hyper-V host volume, a host, a LUN, each from the few facts
 * that differ. Ids follow one pattern (`disk-<vm>-<suffix>`, `vol-<host>-<letter>`) that end-to-end
 * tests and docs refer to.
 */
import type { Inventory } from '../../server/engine/inventory';

export const GIB = 1024 ** 3;
export const TIB = 1024 * GIB;

/** The parts of one VM, as the estate adds them. */
export interface VmParts {
  vm: Inventory['vms'][number];
  disks: Inventory['virtualDisks'];
  guests: Inventory['guestVolumes'];
}

export type VmSpec = Partial<Inventory['vms'][number]> &
  Pick<Inventory['vms'][number], 'id' | 'name' | 'hostId'>;

export function windowsVm(spec: VmSpec): Inventory['vms'][number] {
  return {
    osFamily: 'windows',
    powerState: 'running',
    applications: [],
    backupIntegrationService: 'running',
    hasXenVssProvider: false,
    snapshotLocationVolumeId: null,
    hasFreezeScripts: false,
    dailyChangeBytes: 4 * GIB,
    tags: [],
    ...spec,
  };
}

export function xenVm(spec: VmSpec): Inventory['vms'][number] {
  return windowsVm({ backupIntegrationService: null, hasXenVssProvider: true, ...spec });
}

export type DiskSpec = Inventory['virtualDisks'][number];

export function disk(
  vmId: string,
  suffix: string,
  hostVolumeId: string | null,
  sizeGib: number,
  kind: DiskSpec['kind'],
): DiskSpec {
  const vmName = vmId.replace(/^vm-/, '');
  const extension = kind === 'vhdx' ? '.vhdx' : '';
  return {
    id: `disk-${vmName}-${suffix}`,
    vmId,
    name: kind === 'passthrough' ? `${vmName} ${suffix} (physical disk)` : `${vmName}-${suffix}${extension}`,
    kind,
    sizeBytes: sizeGib * GIB,
    hostVolumeId: kind === 'passthrough' ? null : hostVolumeId,
    arrayVolumeId: null,
    // The lab's VDIs are raw LVs (an array snapshot copies them, as it does VHDs); the VMs that
    // show XS-ARRAY-COPY-VHD say otherwise (db/seed/demo-lab.ts).
    ...(kind === 'vdi' ? { storageFormat: 'raw' as const } : {}),
  };
}

export type GuestSpec = Partial<Inventory['guestVolumes'][number]> & { mountPoint: string };

export function guest(
  vmId: string,
  diskId: string | null,
  spec: GuestSpec,
): Inventory['guestVolumes'][number] {
  const isLinux = spec.mountPoint.startsWith('/');
  return {
    id: `gv-${vmId.replace(/^vm-/, '')}-${spec.mountPoint.replace(/[:/\\]/g, '') || 'root'}`,
    vmId,
    fileSystem: isLinux ? 'ext4' : 'ntfs',
    diskType: 'basic',
    vssEnabled: !isLinux,
    shadowStorageOn: isLinux ? null : spec.mountPoint,
    diskId,
    ...spec,
  };
}

export function hyperVVolume(
  hostId: string,
  letter: string,
  sizeGib: number,
  freeGib: number,
  extra: Partial<Inventory['hostVolumes'][number]> = {},
): Inventory['hostVolumes'][number] {
  const id = `vol-${hostId.replace(/^host-/, '')}-${letter.toLowerCase()}`;
  return {
    id,
    hostId,
    name: `${letter}:`,
    kind: 'volume',
    sizeBytes: sizeGib * GIB,
    freeBytes: freeGib * GIB,
    vssEnabled: true,
    shadowStorageVolumeId: id,
    shadowStorageLimitBytes: Math.round(sizeGib * 0.1) * GIB,
    arrayVolumeId: null,
    ...extra,
  };
}

/** A simple Windows VM with one system disk and C: on it. */
export function simpleWindows(spec: VmSpec, hostVolumeId: string, diskKind: DiskSpec['kind'] = 'vhdx') {
  const osDisk = disk(spec.id, 'os', hostVolumeId, 80, diskKind);
  return {
    vm: spec.hostId.startsWith('host-xs') ? xenVm(spec) : windowsVm(spec),
    disks: [osDisk],
    guests: [guest(spec.id, osDisk.id, { mountPoint: 'C:' })],
  };
}

export function hyperV(
  id: string,
  name: string,
  version: string,
  hasVssAwareProduct: boolean,
): Inventory['hosts'][number] {
  return {
    id,
    name,
    kind: 'hyperv',
    version,
    pool: null,
    hasVssAwareProduct,
    offersQuiescedSnapshots: false,
    connector: 'lab',
  };
}

export function xen(
  id: string,
  name: string,
  version: string,
  offersQuiescedSnapshots: boolean,
): Inventory['hosts'][number] {
  return {
    id,
    name,
    kind: 'xenserver',
    version,
    pool: 'pool-a',
    hasVssAwareProduct: true,
    offersQuiescedSnapshots,
    connector: 'lab',
  };
}

export function lun(
  id: string,
  arrayId: string,
  name: string,
  supportsSnapshots: boolean | null,
  consistencyGroupId: string | null,
): Inventory['arrayVolumes'][number] {
  return { id, arrayId, name, supportsSnapshots, consistencyGroupId };
}
