/**
 * One small estate that exercises every backup method and restore mode, for the backup-plan and
 * restore-plan tests. Ids are the names an operator reads, so assertions stay legible.
 *
 * hv01 (Hyper-V, Migawka agent):   D: web01 (online), legacy01 (no Backup IC → saved state),
 *                                      file01 (+ pass-through disk), off01 (powered off)
 *                                  E: on LUN lun-sql, F: on LUN lun-logs (both in consistency group cg-sql): sql01
 *                                  G: on LUN lun-shared: app01, app02
 * hv02 (Hyper-V, WSB only):        D: wsb01, wsb02
 * xs01 (XenServer 7.1):            sr1: xlin01 (Linux), xwin01 (Windows, SQL Server, Xen VSS provider)
 */
import {
  type GuestVolume,
  type HostVolume,
  type Inventory,
  type InventoryIndex,
  indexInventory,
  type VirtualDisk,
  type Vm,
} from './inventory';

const GIB = 1024 ** 3;

function hostVolume(
  id: string,
  hostId: string,
  name: string,
  arrayVolumeId: string | null = null,
): HostVolume {
  return {
    id,
    hostId,
    name,
    kind: hostId === 'xs01' ? 'sr' : 'volume',
    sizeBytes: 2048 * GIB,
    freeBytes: 1024 * GIB,
    vssEnabled: true,
    shadowStorageVolumeId: hostId === 'xs01' ? null : id,
    shadowStorageLimitBytes: hostId === 'xs01' ? null : 400 * GIB,
    arrayVolumeId,
    ...(hostId === 'xs01' ? { storageType: 'lvmoiscsi', isShared: true, canSnapshot: true } : {}),
  };
}

function vm(id: string, hostId: string, overrides: Partial<Vm> = {}): Vm {
  const isXen = hostId === 'xs01';
  return {
    id,
    name: id,
    hostId,
    osFamily: 'windows',
    powerState: 'running',
    applications: [],
    backupIntegrationService: isXen ? null : 'running',
    hasXenVssProvider: false,
    snapshotLocationVolumeId: null,
    hasFreezeScripts: false,
    dailyChangeBytes: 1 * GIB,
    tags: [],
    ...overrides,
  };
}

function disk(
  id: string,
  vmId: string,
  hostVolumeId: string | null,
  overrides: Partial<VirtualDisk> = {},
): VirtualDisk {
  return {
    id,
    vmId,
    name: id,
    kind: hostVolumeId?.startsWith('xs01') ? 'vdi' : 'vhdx',
    sizeBytes: 40 * GIB,
    hostVolumeId,
    arrayVolumeId: null,
    ...(hostVolumeId?.startsWith('xs01') ? { storageFormat: 'raw' as const } : {}),
    ...overrides,
  };
}

function guestVolume(vmId: string, diskId: string, mountPoint = 'C:'): GuestVolume {
  return {
    id: `${vmId}-${mountPoint}`,
    vmId,
    mountPoint,
    fileSystem: 'ntfs',
    diskType: 'basic',
    vssEnabled: true,
    shadowStorageOn: mountPoint,
    diskId,
  };
}

export function makeOperationsEstate(): Inventory {
  const hyperv = (id: string, hasVssAwareProduct: boolean) => ({
    id,
    name: id,
    kind: 'hyperv' as const,
    version: '2022',
    pool: null,
    hasVssAwareProduct,
    offersQuiescedSnapshots: false,
    connector: 'lab',
  });
  return {
    hosts: [
      hyperv('hv01', true),
      hyperv('hv02', false),
      {
        id: 'xs01',
        name: 'xs01',
        kind: 'xenserver',
        version: '7.1',
        pool: 'pool-a',
        hasVssAwareProduct: true,
        offersQuiescedSnapshots: true,
        connector: 'lab',
      },
    ],
    hostVolumes: [
      hostVolume('hv01:D:', 'hv01', 'D:'),
      hostVolume('hv01:E:', 'hv01', 'E:', 'lun-sql'),
      hostVolume('hv01:F:', 'hv01', 'F:', 'lun-logs'),
      hostVolume('hv01:G:', 'hv01', 'G:', 'lun-shared'),
      hostVolume('hv02:D:', 'hv02', 'D:'),
      hostVolume('xs01:sr1', 'xs01', 'sr1'),
    ],
    vms: [
      vm('web01', 'hv01'),
      vm('legacy01', 'hv01', { backupIntegrationService: 'missing' }),
      vm('file01', 'hv01'),
      vm('off01', 'hv01', { powerState: 'off' }),
      vm('sql01', 'hv01', { applications: ['sqlserver'] }),
      vm('app01', 'hv01'),
      vm('app02', 'hv01'),
      vm('wsb01', 'hv02'),
      vm('wsb02', 'hv02'),
      vm('xlin01', 'xs01', { osFamily: 'linux' }),
      vm('xwin01', 'xs01', { applications: ['sqlserver'], hasXenVssProvider: true }),
    ],
    virtualDisks: [
      disk('web01-os', 'web01', 'hv01:D:'),
      disk('legacy01-os', 'legacy01', 'hv01:D:'),
      disk('file01-os', 'file01', 'hv01:D:'),
      disk('file01-pt', 'file01', null, { kind: 'passthrough' }),
      disk('off01-os', 'off01', 'hv01:D:'),
      disk('sql01-data', 'sql01', 'hv01:E:'),
      disk('sql01-logs', 'sql01', 'hv01:F:'),
      disk('app01-os', 'app01', 'hv01:G:'),
      disk('app02-os', 'app02', 'hv01:G:'),
      disk('wsb01-os', 'wsb01', 'hv02:D:'),
      disk('wsb02-os', 'wsb02', 'hv02:D:'),
      disk('xlin01-os', 'xlin01', 'xs01:sr1'),
      disk('xwin01-os', 'xwin01', 'xs01:sr1'),
    ],
    guestVolumes: [
      guestVolume('web01', 'web01-os'),
      guestVolume('legacy01', 'legacy01-os'),
      guestVolume('file01', 'file01-os'),
      guestVolume('file01', 'file01-pt', 'E:'),
      guestVolume('off01', 'off01-os'),
      guestVolume('sql01', 'sql01-data'),
      guestVolume('sql01', 'sql01-logs', 'L:'),
      guestVolume('app01', 'app01-os'),
      guestVolume('app02', 'app02-os'),
      guestVolume('wsb01', 'wsb01-os'),
      guestVolume('wsb02', 'wsb02-os'),
    ],
    arrays: [
      { id: 'netapp-01', name: 'netapp-01', vendor: 'netapp', supportsSnapshots: true, connector: 'lab' },
    ],
    arrayVolumes: [
      {
        id: 'lun-sql',
        arrayId: 'netapp-01',
        name: 'lun-sql',
        supportsSnapshots: true,
        consistencyGroupId: 'cg-sql',
      },
      {
        id: 'lun-logs',
        arrayId: 'netapp-01',
        name: 'lun-logs',
        supportsSnapshots: true,
        consistencyGroupId: 'cg-sql',
      },
      {
        id: 'lun-shared',
        arrayId: 'netapp-01',
        name: 'lun-shared',
        supportsSnapshots: true,
        consistencyGroupId: null,
      },
    ],
    consistencyGroups: [{ id: 'cg-sql', arrayId: 'netapp-01', name: 'cg-sql' }],
  };
}

export function makeOperationsIndex(change?: (inventory: Inventory) => void): InventoryIndex {
  const inventory = makeOperationsEstate();
  change?.(inventory);
  return indexInventory(inventory);
}

/** Deterministic ids: id-1, id-2, ... */
export function makeIdSequence(prefix = 'id'): () => string {
  let next = 0;
  return () => `${prefix}-${++next}`;
}
