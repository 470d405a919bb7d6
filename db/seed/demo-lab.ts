/**
 * The demo lab: a small, realistic estate seeded on first start. Every prerequisite rule of
 * docs/domain.md §9 (except the restore and protection-status ones) fires at least once, next to
 * healthy VMs, so the console has something true to show before any real inventory is imported.
 *
 * Ids and names are stable: end-to-end tests and docs refer to them.
 *   hv-prod-01    Hyper-V with the VSS-aware agent: sql-prod-01 (D: keeps its shadow copies on C:),
 *                 fs-01 (pass-through disk), web-01 (healthy), app-legacy-01 (checkpoints on E:),
 *                 archive-01 (host volume F: with VSS off, on a NetApp LUN without snapshots),
 *                 test-01 (powered off, its guest not read since).
 *   hv-prod-02    Hyper-V: erp-01 spans two EqualLogic LUNs outside any consistency group,
 *                 build-01 (host shadow storage too small), ops-01 (Backup service stopped),
 *                 legacy-01 (FAT32 and dynamic-disk volumes), dev-01 (VSS off on D:).
 *   hv-branch-01  Hyper-V with Windows Server Backup only: four VMs on one volume D:.
 *   pool-a        XenServer pool: xs-a-01 and xs-a-02 (7.1 CU2, quiesce available) share the NetApp
 *                 SR sr-netapp-vmstore (LUN lun_vmstore in consistency group cg-pool-a) holding four
 *                 VMs; xs-a-03 was upgraded to 8.2 CU1, which no longer offers quiesced snapshots;
 *                 scan-xen-03 (halted, no guest tools) has disks on a raw-LUN SR that cannot
 *                 snapshot and an NFS SR whose driver was not read, on a NetApp volume whose state
 *                 the array did not report.
 */
import type { Inventory } from '../../server/engine/inventory';
import {
  disk,
  GIB,
  guest,
  hyperV,
  hyperVVolume,
  lun,
  simpleWindows,
  TIB,
  type VmParts,
  windowsVm,
  xen,
  xenVm,
} from './demo-lab-builders';

export const DEMO_LAB_NAMES = {
  sqlVm: 'sql-prod-01',
  passthroughVm: 'fs-01',
  healthyVm: 'web-01',
  wsbHost: 'hv-branch-01',
  /** The XenServer SR on the NetApp LUN shared by four VMs. */
  sharedSr: 'sr-netapp-vmstore',
  /** The WSB host's volume holding its four VMs (id of a volume named "D:"). */
  wsbVolumeId: 'vol-hv-branch-01-d',
} as const;

export function demoLabInventory(): Inventory {
  const hosts: Inventory['hosts'] = [
    hyperV('host-hv-prod-01', 'hv-prod-01', 'Windows Server 2022 Datacenter', true),
    hyperV('host-hv-prod-02', 'hv-prod-02', 'Windows Server 2019 Datacenter', true),
    hyperV('host-hv-branch-01', 'hv-branch-01', 'Windows Server 2016 Standard', false),
    xen('host-xs-a-01', 'xs-a-01', '7.1 CU2', true),
    xen('host-xs-a-02', 'xs-a-02', '7.1 CU2', true),
    xen('host-xs-a-03', 'xs-a-03', '8.2 CU1', false),
  ];

  const arrays: Inventory['arrays'] = [
    {
      id: 'array-netapp-fas01',
      name: 'netapp-fas01',
      vendor: 'netapp',
      supportsSnapshots: true,
      connector: 'lab',
    },
    {
      id: 'array-eql-ps6100',
      name: 'eql-ps6100',
      vendor: 'equallogic',
      supportsSnapshots: true,
      connector: 'lab',
    },
  ];
  const consistencyGroups: Inventory['consistencyGroups'] = [
    { id: 'cg-pool-a', arrayId: 'array-netapp-fas01', name: 'cg-pool-a' },
  ];
  const arrayVolumes: Inventory['arrayVolumes'] = [
    lun('lun-vmstore', 'array-netapp-fas01', 'lun_vmstore', true, 'cg-pool-a'),
    lun('lun-vmstore-logs', 'array-netapp-fas01', 'lun_vmstore_logs', true, 'cg-pool-a'),
    // An archive LUN carved from an aggregate without snapshot reserve.
    lun('lun-archive', 'array-netapp-fas01', 'lun_archive', false, null),
    // A NetApp volume exported over NFS to pool-a (the scratch SR of xs-a-03), whose state the
    // array did not report: whether it can be snapshotted is unknown (ARRAY-SNAPSHOT-UNKNOWN).
    lun('vol-scratch', 'array-netapp-fas01', 'vol_scratch', null, null),
    lun('lun-erp-sys', 'array-eql-ps6100', 'erp-sys', true, null),
    lun('lun-erp-data', 'array-eql-ps6100', 'erp-data', true, null),
  ];

  const hostVolumes: Inventory['hostVolumes'] = [
    // hv-prod-01: VMs on D:, checkpoints of one legacy VM on E:, an archive volume F: with VSS off.
    hyperVVolume('host-hv-prod-01', 'D', 4096, 1900, { shadowStorageLimitBytes: 400 * GIB }),
    hyperVVolume('host-hv-prod-01', 'E', 1024, 700),
    hyperVVolume('host-hv-prod-01', 'F', 8192, 2100, {
      vssEnabled: false,
      shadowStorageVolumeId: null,
      shadowStorageLimitBytes: null,
      arrayVolumeId: 'lun-archive',
    }),
    // hv-prod-02: ERP on two EqualLogic LUNs; G: with a shadow storage limit far below the churn of build-01.
    hyperVVolume('host-hv-prod-02', 'D', 2048, 900, { arrayVolumeId: 'lun-erp-sys' }),
    hyperVVolume('host-hv-prod-02', 'E', 4096, 1500, { arrayVolumeId: 'lun-erp-data' }),
    hyperVVolume('host-hv-prod-02', 'G', 1024, 300, { shadowStorageLimitBytes: 8 * GIB }),
    hyperVVolume('host-hv-prod-02', 'H', 2048, 1200),
    // hv-branch-01: everything on D:, backed up by Windows Server Backup.
    hyperVVolume('host-hv-branch-01', 'D', 2048, 1100),
    // pool-a: the shared NetApp SRs, and a local SR on the upgraded host.
    {
      id: 'sr-netapp-vmstore',
      hostId: 'host-xs-a-01',
      name: 'sr-netapp-vmstore',
      kind: 'sr',
      storageType: 'lvmoiscsi',
      isShared: true,
      canSnapshot: true,
      sizeBytes: 8 * TIB,
      freeBytes: 3 * TIB,
      vssEnabled: true,
      shadowStorageVolumeId: null,
      shadowStorageLimitBytes: null,
      arrayVolumeId: 'lun-vmstore',
    },
    {
      id: 'sr-netapp-logs',
      hostId: 'host-xs-a-01',
      name: 'sr-netapp-logs',
      kind: 'sr',
      storageType: 'lvmoiscsi',
      isShared: true,
      canSnapshot: true,
      sizeBytes: 2 * TIB,
      freeBytes: TIB,
      vssEnabled: true,
      shadowStorageVolumeId: null,
      shadowStorageLimitBytes: null,
      arrayVolumeId: 'lun-vmstore-logs',
    },
    // xs-a-03 also sees a raw-LUN SR, whose driver cannot snapshot (XS-SR-NO-SNAPSHOT), and an NFS
    // SR on a NetApp volume stated without its driver's features (XS-SR-SNAPSHOT-UNKNOWN): its disks
    // are files, not read out of an array snapshot (XS-ARRAY-COPY-SR-TYPE).
    {
      id: 'sr-rawhba-xs-a-03',
      hostId: 'host-xs-a-03',
      name: 'Raw HBA LUNs xs-a-03',
      kind: 'sr',
      storageType: 'rawhba',
      isShared: false,
      canSnapshot: false,
      sizeBytes: 512 * GIB,
      freeBytes: 256 * GIB,
      vssEnabled: false,
      shadowStorageVolumeId: null,
      shadowStorageLimitBytes: null,
      arrayVolumeId: null,
    },
    {
      id: 'sr-nfs-xs-a-03',
      hostId: 'host-xs-a-03',
      name: 'NFS scratch xs-a-03',
      kind: 'sr',
      storageType: 'nfs',
      isShared: true,
      canSnapshot: null,
      sizeBytes: TIB,
      freeBytes: 700 * GIB,
      vssEnabled: false,
      shadowStorageVolumeId: null,
      shadowStorageLimitBytes: null,
      arrayVolumeId: 'vol-scratch',
    },
    {
      id: 'sr-local-xs-a-03',
      hostId: 'host-xs-a-03',
      name: 'Local storage xs-a-03',
      kind: 'sr',
      storageType: 'ext',
      isShared: false,
      canSnapshot: true,
      sizeBytes: 2 * TIB,
      freeBytes: 1200 * GIB,
      vssEnabled: true,
      shadowStorageVolumeId: null,
      shadowStorageLimitBytes: null,
      arrayVolumeId: null,
    },
  ];

  const vms: Inventory['vms'] = [];
  const virtualDisks: Inventory['virtualDisks'] = [];
  const guestVolumes: Inventory['guestVolumes'] = [];
  const add = (parts: VmParts) => {
    vms.push(parts.vm);
    virtualDisks.push(...parts.disks);
    guestVolumes.push(...parts.guests);
  };

  hvProd01Vms(add);
  hvProd02Vms(add);
  hvBranch01Vms(add);
  poolAVms(add);

  return { hosts, hostVolumes, vms, virtualDisks, guestVolumes, arrays, arrayVolumes, consistencyGroups };
}

/** The VMs of hv-prod-01 (Hyper-V with the VSS-aware agent). */
function hvProd01Vms(add: (parts: VmParts) => void): void {
  {
    const id = 'vm-sql-prod-01';
    const os = disk(id, 'os', 'vol-hv-prod-01-d', 120, 'vhdx');
    const data = disk(id, 'data', 'vol-hv-prod-01-d', 500, 'vhdx');
    add({
      vm: windowsVm({
        id,
        name: 'sql-prod-01',
        hostId: 'host-hv-prod-01',
        applications: ['sqlserver'],
        dailyChangeBytes: 60 * GIB,
        tags: ['production', 'finance'],
      }),
      disks: [os, data],
      guests: [
        guest(id, os.id, { mountPoint: 'C:' }),
        // The classic mistake: D:'s shadow copies were put on C: to save space on D:.
        guest(id, data.id, { mountPoint: 'D:', shadowStorageOn: 'C:' }),
      ],
    });
  }
  {
    const id = 'vm-fs-01';
    const os = disk(id, 'os', 'vol-hv-prod-01-d', 80, 'vhdx');
    const physical = disk(id, 'data', null, 2048, 'passthrough');
    add({
      vm: windowsVm({
        id,
        name: 'fs-01',
        hostId: 'host-hv-prod-01',
        dailyChangeBytes: 20 * GIB,
        tags: ['production'],
      }),
      disks: [os, physical],
      guests: [guest(id, os.id, { mountPoint: 'C:' }), guest(id, physical.id, { mountPoint: 'E:' })],
    });
  }
  add(
    simpleWindows(
      { id: 'vm-web-01', name: 'web-01', hostId: 'host-hv-prod-01', tags: ['production', 'web'] },
      'vol-hv-prod-01-d',
    ),
  );
  add(
    simpleWindows(
      {
        id: 'vm-app-legacy-01',
        name: 'app-legacy-01',
        hostId: 'host-hv-prod-01',
        snapshotLocationVolumeId: 'vol-hv-prod-01-e',
      },
      'vol-hv-prod-01-d',
    ),
  );
  add(
    simpleWindows(
      { id: 'vm-archive-01', name: 'archive-01', hostId: 'host-hv-prod-01', dailyChangeBytes: GIB },
      'vol-hv-prod-01-f',
    ),
  );
  add(
    simpleWindows(
      {
        id: 'vm-test-01',
        name: 'test-01',
        hostId: 'host-hv-prod-01',
        powerState: 'off',
        tags: ['test'],
        // Off at the last read: what is inside its guest now is not known (HV-GUEST-FACTS-UNKNOWN, info).
        guestFactsUnknown: 'test-01 was not running when its host was last read',
      },
      'vol-hv-prod-01-d',
    ),
  );
}

/** The VMs of hv-prod-02 (Hyper-V; ERP on two EqualLogic LUNs). */
function hvProd02Vms(add: (parts: VmParts) => void): void {
  {
    const id = 'vm-erp-01';
    const os = disk(id, 'os', 'vol-hv-prod-02-d', 120, 'vhdx');
    const data = disk(id, 'data', 'vol-hv-prod-02-e', 1024, 'vhdx');
    add({
      vm: windowsVm({
        id,
        name: 'erp-01',
        hostId: 'host-hv-prod-02',
        applications: ['sqlserver'],
        hasFreezeScripts: true,
        dailyChangeBytes: 40 * GIB,
        tags: ['production', 'erp'],
      }),
      disks: [os, data],
      guests: [guest(id, os.id, { mountPoint: 'C:' }), guest(id, data.id, { mountPoint: 'D:' })],
    });
  }
  add(
    simpleWindows(
      {
        id: 'vm-build-01',
        name: 'build-01',
        hostId: 'host-hv-prod-02',
        dailyChangeBytes: 30 * GIB,
        tags: ['ci'],
      },
      'vol-hv-prod-02-g',
    ),
  );
  add(
    simpleWindows(
      { id: 'vm-ops-01', name: 'ops-01', hostId: 'host-hv-prod-02', backupIntegrationService: 'stopped' },
      'vol-hv-prod-02-h',
    ),
  );
  {
    const id = 'vm-legacy-01';
    const os = disk(id, 'os', 'vol-hv-prod-02-h', 60, 'vhdx');
    const data = disk(id, 'data', 'vol-hv-prod-02-h', 200, 'vhdx');
    add({
      vm: windowsVm({ id, name: 'legacy-01', hostId: 'host-hv-prod-02', tags: ['legacy'] }),
      disks: [os, data],
      guests: [
        guest(id, os.id, { mountPoint: 'C:' }),
        // A USB-era data volume nobody converted, and a software mirror from the Windows 2003 days.
        guest(id, data.id, {
          mountPoint: 'E:',
          fileSystem: 'fat32',
          vssEnabled: false,
          shadowStorageOn: null,
        }),
        guest(id, data.id, { mountPoint: 'F:', diskType: 'dynamic' }),
      ],
    });
  }
  {
    const id = 'vm-dev-01';
    const os = disk(id, 'os', 'vol-hv-prod-02-h', 80, 'vhdx');
    const data = disk(id, 'data', 'vol-hv-prod-02-h', 100, 'vhdx');
    add({
      vm: windowsVm({ id, name: 'dev-01', hostId: 'host-hv-prod-02', tags: ['dev'] }),
      disks: [os, data],
      guests: [
        guest(id, os.id, { mountPoint: 'C:' }),
        guest(id, data.id, { mountPoint: 'D:', vssEnabled: false, shadowStorageOn: null }),
      ],
    });
  }
}

/** The VMs of hv-branch-01: Windows Server Backup only, four VMs on D:. */
function hvBranch01Vms(add: (parts: VmParts) => void): void {
  for (const name of ['branch-dc-01', 'branch-fs-01', 'branch-app-01', 'branch-print-01']) {
    add(
      simpleWindows(
        { id: `vm-${name}`, name, hostId: 'host-hv-branch-01', tags: ['branch'] },
        DEMO_LAB_NAMES.wsbVolumeId,
      ),
    );
  }
}

/** The VMs of the XenServer pool pool-a. */
function poolAVms(add: (parts: VmParts) => void): void {
  {
    const id = 'vm-exch-01';
    const os = disk(id, 'os', 'sr-netapp-vmstore', 100, 'vdi');
    // Its log disk is a VHD (LVHD's default): an array snapshot's copy decodes its chain.
    const logs = { ...disk(id, 'logs', 'sr-netapp-logs', 200, 'vdi'), storageFormat: 'vhd' as const };
    add({
      vm: xenVm({
        id,
        name: 'exch-01',
        hostId: 'host-xs-a-01',
        applications: ['exchange'],
        dailyChangeBytes: 25 * GIB,
        tags: ['production', 'mail'],
      }),
      disks: [os, logs],
      guests: [guest(id, os.id, { mountPoint: 'C:' }), guest(id, logs.id, { mountPoint: 'L:' })],
    });
  }
  add(
    simpleWindows(
      {
        id: 'vm-sql-xen-01',
        name: 'sql-xen-01',
        hostId: 'host-xs-a-02',
        applications: ['sqlserver'],
        hasXenVssProvider: false,
        hasFreezeScripts: true,
        tags: ['production'],
      },
      'sr-netapp-vmstore',
      'vdi',
    ),
  );
  {
    const web = simpleWindows(
      { id: 'vm-web-xen-01', name: 'web-xen-01', hostId: 'host-xs-a-01', tags: ['web'] },
      'sr-netapp-vmstore',
      'vdi',
    );
    // Its disk's format was not read: XS-ARRAY-COPY-VHD warns rather than assume it raw.
    web.disks[0].storageFormat = null;
    add(web);
  }
  {
    const id = 'vm-db-lnx-01';
    const root = disk(id, 'root', 'sr-netapp-vmstore', 40, 'vdi');
    const data = disk(id, 'pgdata', 'sr-netapp-vmstore', 300, 'vdi');
    add({
      vm: xenVm({
        id,
        name: 'db-lnx-01',
        hostId: 'host-xs-a-02',
        osFamily: 'linux',
        hasXenVssProvider: false,
        applications: ['other'],
        tags: ['postgresql'],
      }),
      disks: [root, data],
      guests: [
        guest(id, root.id, { mountPoint: '/' }),
        guest(id, data.id, { mountPoint: '/var/lib/postgresql', fileSystem: 'xfs' }),
      ],
    });
  }
  add(
    simpleWindows(
      {
        id: 'vm-sql-xen-03',
        name: 'sql-xen-03',
        hostId: 'host-xs-a-03',
        applications: ['sqlserver'],
        tags: ['production'],
      },
      'sr-local-xs-a-03',
      'vdi',
    ),
  );
  {
    const id = 'vm-web-lnx-03';
    const root = disk(id, 'root', 'sr-local-xs-a-03', 40, 'vdi');
    add({
      vm: xenVm({
        id,
        name: 'web-lnx-03',
        hostId: 'host-xs-a-03',
        osFamily: 'linux',
        hasXenVssProvider: false,
        tags: ['web'],
      }),
      disks: [root],
      guests: [guest(id, root.id, { mountPoint: '/' })],
    });
  }
  {
    // Halted, without guest tools: the pool never said what runs inside (XS-GUEST-FACTS-UNKNOWN).
    const id = 'vm-scan-xen-03';
    add({
      vm: xenVm({
        id,
        name: 'scan-xen-03',
        hostId: 'host-xs-a-03',
        powerState: 'off',
        osFamily: 'linux',
        hasXenVssProvider: false,
        tags: ['lab'],
        guestFactsUnknown:
          'it was halted when its pool was last read, so its guest reported nothing to the pool',
      }),
      disks: [
        disk(id, 'root', 'sr-nfs-xs-a-03', 20, 'vdi'),
        disk(id, 'scans', 'sr-rawhba-xs-a-03', 200, 'vdi'),
      ],
      guests: [],
    });
  }
}
