/**
 * A small inventory for lab driver, runner and service tests: a Hyper-V host with two VMs
 * sharing volume D: (one off, one running an application), a file server with a pass-through
 * disk, a legacy VM without the Backup integration service (saved-state captures), and a
 * XenServer host with a busy Linux VM (crash-consistent captures).
 */
import { type Inventory, type InventoryIndex, indexInventory } from '../../engine/inventory';

export function labTestInventory(): Inventory {
  const vm = (
    id: string,
    name: string,
    powerState: 'running' | 'off',
    hostId = 'hv1',
    backupIntegrationService: 'running' | 'missing' | null = 'running',
  ) => ({
    id,
    name,
    hostId,
    osFamily: hostId === 'hv1' ? ('windows' as const) : ('linux' as const),
    powerState,
    applications: ['sqlserver' as const],
    backupIntegrationService,
    hasXenVssProvider: false,
    snapshotLocationVolumeId: null,
    hasFreezeScripts: true,
    dailyChangeBytes: 1_000_000,
    tags: [],
  });
  const disk = (
    id: string,
    vmId: string,
    hostVolumeId: string | null,
    arrayVolumeId: string | null = null,
  ) => ({
    id,
    vmId,
    name: id,
    kind: hostVolumeId ? ('vhdx' as const) : ('passthrough' as const),
    sizeBytes: 40 * 2 ** 30,
    hostVolumeId,
    arrayVolumeId,
  });
  return {
    hosts: [
      {
        id: 'hv1',
        name: 'hv1',
        kind: 'hyperv',
        version: '2022',
        pool: null,
        hasVssAwareProduct: true,
        offersQuiescedSnapshots: false,
        connector: 'lab',
      },
      {
        id: 'xs1',
        name: 'xs1',
        kind: 'xenserver',
        version: '8.2',
        pool: 'pool1',
        hasVssAwareProduct: true,
        offersQuiescedSnapshots: false,
        connector: 'lab',
      },
    ],
    hostVolumes: [
      {
        id: 'hv1-d',
        hostId: 'hv1',
        name: 'D:',
        kind: 'volume',
        sizeBytes: 2e12,
        freeBytes: 1e12,
        vssEnabled: true,
        shadowStorageVolumeId: 'hv1-d',
        shadowStorageLimitBytes: null,
        arrayVolumeId: 'lun1',
      },
      {
        id: 'hv1-e',
        hostId: 'hv1',
        name: 'E:',
        kind: 'volume',
        sizeBytes: 2e12,
        freeBytes: 1e12,
        vssEnabled: true,
        shadowStorageVolumeId: 'hv1-e',
        shadowStorageLimitBytes: null,
        arrayVolumeId: null,
      },
      {
        id: 'xs1-sr',
        hostId: 'xs1',
        name: 'Local SR',
        kind: 'sr',
        storageType: 'ext',
        isShared: false,
        canSnapshot: true,
        sizeBytes: 2e12,
        freeBytes: 1e12,
        vssEnabled: false,
        shadowStorageVolumeId: null,
        shadowStorageLimitBytes: null,
        arrayVolumeId: null,
      },
    ],
    vms: [
      vm('app1', 'app1', 'off'),
      vm('sql1', 'sql1', 'running'),
      vm('fs1', 'fs1', 'running'),
      vm('legacy1', 'legacy1', 'running', 'hv1', 'missing'),
      vm('web1', 'web1', 'running', 'xs1', null),
    ],
    virtualDisks: [
      disk('app1-os', 'app1', 'hv1-d'),
      disk('sql1-os', 'sql1', 'hv1-d'),
      disk('sql1-data', 'sql1', 'hv1-d'),
      disk('fs1-os', 'fs1', 'hv1-e'),
      disk('fs1-pt', 'fs1', null, 'lun2'),
      disk('legacy1-os', 'legacy1', 'hv1-e'),
      { ...disk('web1-os', 'web1', 'xs1-sr'), kind: 'vdi' as const },
    ],
    guestVolumes: [],
    arrays: [{ id: 'netapp', name: 'netapp', vendor: 'netapp', supportsSnapshots: true, connector: 'lab' }],
    arrayVolumes: [
      { id: 'lun1', arrayId: 'netapp', name: 'lun1', supportsSnapshots: true, consistencyGroupId: null },
      { id: 'lun2', arrayId: 'netapp', name: 'lun2', supportsSnapshots: true, consistencyGroupId: null },
    ],
    consistencyGroups: [],
  };
}

export function labTestIndex(): InventoryIndex {
  return indexInventory(labTestInventory());
}
