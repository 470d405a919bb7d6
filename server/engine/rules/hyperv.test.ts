import { describe, expect, it } from 'vitest';
import type { Inventory } from '../inventory';
import {
  addVms,
  checkRuleRow,
  findingsOf,
  makeDisk,
  makeGuestVolume,
  makeHost,
  makeHostVolume,
  makeHypervEstate,
  makeInventory,
  makeVmOnVolume,
  type RuleRow,
} from '../test-fixtures';

const GIB = 1024 ** 3;

interface Row extends RuleRow {
  /** Further checks on the finding. */
  check?: (found: ReturnType<typeof findingsOf>) => void;
}

function withGuestVolumes(...volumes: Parameters<typeof makeGuestVolume>[0][]): Inventory {
  const inventory = makeHypervEstate();
  inventory.guestVolumes.push(...volumes.map((v) => makeGuestVolume({ vmId: 'app01', ...v })));
  return inventory;
}

function estateWithVmsOnD(count: number, host: Parameters<typeof makeHost>[0] = {}): Inventory {
  const inventory = makeInventory({ hosts: [makeHost(host)], hostVolumes: [makeHostVolume()] });
  for (let i = 1; i <= count; i++)
    addVms(inventory, makeVmOnVolume({ name: `vm${String(i).padStart(2, '0')}` }));
  return inventory;
}

const rows: Row[] = [
  {
    name: 'offline backup when the Backup integration service is missing',
    build: () => makeHypervEstate({ backupIntegrationService: 'missing' }),
    ruleId: 'HV-BACKUP-IC-MISSING',
    severity: 'warning',
    names: ["'app01'", "'hv01'", 'missing'],
    remedy: ["Enable-VMIntegrationService -VMName 'app01' -Name 'Backup (volume shadow copy)'", 'vmicvss'],
  },
  {
    name: 'offline backup when the Backup integration service is stopped',
    build: () => makeHypervEstate({ backupIntegrationService: 'stopped' }),
    ruleId: 'HV-BACKUP-IC-MISSING',
    severity: 'warning',
    names: ["'app01'", 'stopped'],
  },
  {
    name: 'Linux guest without the VSS daemon gets the hyperv-daemons remedy',
    build: () => makeHypervEstate({ osFamily: 'linux', backupIntegrationService: 'stopped' }),
    ruleId: 'HV-BACKUP-IC-MISSING',
    severity: 'warning',
    remedy: ['hypervvssd'],
  },
  {
    name: 'an unreported integration service is info: unconfirmed, not assumed fine',
    build: () => makeHypervEstate({ backupIntegrationService: null }),
    ruleId: 'HV-BACKUP-IC-MISSING',
    severity: 'info',
    names: ["'app01'", 'does not report'],
    check: (found) => expect(found.map((f) => f.ruleId)).not.toContain('HV-OFFLINE-BACKUP'),
  },
  {
    name: 'a missing integration service on a powered-off VM is info only',
    build: () => makeHypervEstate({ backupIntegrationService: 'missing', powerState: 'off' }),
    ruleId: 'HV-BACKUP-IC-MISSING',
    severity: 'info',
    names: ["'app01'", 'while it is off'],
  },
  {
    name: 'a running integration service passes',
    build: () => makeHypervEstate(),
    ruleId: 'HV-BACKUP-IC-MISSING',
    severity: null,
  },
  {
    name: 'offline backup when VSS is disabled on D:',
    build: () => withGuestVolumes({ mountPoint: 'D:', vssEnabled: false }),
    ruleId: 'HV-GUEST-VSS-DISABLED',
    severity: 'warning',
    names: ['D:', "'app01'"],
    remedy: ['vssadmin add shadowstorage /for=D: /on=D: /maxsize=10%'],
  },
  {
    name: 'a VM with no guest volumes reported is flagged unknown (info), not silently fine',
    build: () => {
      const inventory = makeHypervEstate();
      inventory.guestVolumes = [];
      return inventory;
    },
    ruleId: 'HV-GUEST-VSS-DISABLED',
    severity: 'info',
    names: ["'app01'", 'reports no guest volumes', 'unknown'],
    check: (found) => expect(found.map((f) => f.ruleId)).not.toContain('HV-OFFLINE-BACKUP'),
  },
  {
    name: 'a running VM whose guest could not be read: could not verify, because, a warning without claiming saved state',
    build: () => {
      const inventory = makeHypervEstate({
        guestFactsUnknown: 'no guest credential is set on the connection',
      });
      inventory.guestVolumes = [];
      return inventory;
    },
    ruleId: 'HV-GUEST-FACTS-UNKNOWN',
    severity: 'warning',
    names: [
      "Could not verify the guest of VM 'app01'",
      'because no guest credential is set on the connection',
      'SQL Server',
    ],
    remedy: ['guest credential', 'PowerShell Direct', 'sync the host again'],
    check: (found) => {
      expect(found.map((f) => f.ruleId)).not.toContain('HV-OFFLINE-BACKUP');
      // One finding says it: the "no guest volumes reported" wording is not repeated beside it.
      expect(found.map((f) => f.ruleId)).not.toContain('HV-GUEST-VSS-DISABLED');
    },
  },
  {
    name: 'an unread guest of a VM that is off is info (it costs nothing until the VM runs)',
    build: () => makeHypervEstate({ powerState: 'off', guestFactsUnknown: 'FILE01 is not running' }),
    ruleId: 'HV-GUEST-FACTS-UNKNOWN',
    severity: 'info',
    names: ['because FILE01 is not running'],
  },
  {
    name: 'an unread guest is reported even when the inventory still holds volumes from an earlier read',
    build: () => {
      const inventory = withGuestVolumes({ mountPoint: 'D:' });
      inventory.vms = inventory.vms.map((vm) => ({ ...vm, guestFactsUnknown: 'PowerShell Direct refused' }));
      return inventory;
    },
    ruleId: 'HV-GUEST-FACTS-UNKNOWN',
    severity: 'warning',
    names: ['because PowerShell Direct refused'],
  },
  {
    name: "an unread guest's volumes from an earlier read are not judged as today's: no shadow-storage finding, no saved state",
    build: () => {
      const inventory = withGuestVolumes(
        { mountPoint: 'D:', shadowStorageOn: 'C:' },
        { mountPoint: 'E:', diskType: 'dynamic', vssEnabled: false },
      );
      inventory.vms = inventory.vms.map((vm) => ({
        ...vm,
        guestFactsUnknown: 'the guest credential was refused',
      }));
      return inventory;
    },
    ruleId: 'HV-SHADOW-STORAGE-ELSEWHERE',
    severity: null,
    check: (found) =>
      expect(found.map((f) => f.ruleId)).toEqual(
        expect.not.arrayContaining(['HV-DYNAMIC-DISK', 'HV-GUEST-VSS-DISABLED', 'HV-OFFLINE-BACKUP']),
      ),
  },
  {
    name: 'a guest that was read raises no unknown',
    build: () => makeHypervEstate({ guestFactsUnknown: null }),
    ruleId: 'HV-GUEST-FACTS-UNKNOWN',
    severity: null,
  },
  {
    name: 'a Linux guest volume has no VSS to disable',
    build: () => makeHypervEstate({ osFamily: 'linux' }),
    ruleId: 'HV-GUEST-VSS-DISABLED',
    severity: null,
  },
  {
    name: 'offline backup when D: keeps its shadow copies on C:',
    build: () => withGuestVolumes({ mountPoint: 'D:', shadowStorageOn: 'C:' }),
    ruleId: 'HV-SHADOW-STORAGE-ELSEWHERE',
    severity: 'warning',
    names: ['D:', 'C:', "'app01'"],
    remedy: [
      '`vssadmin delete shadowstorage /for=D: /on=C:` then `vssadmin add shadowstorage /for=D: /on=D: /maxsize=10%`',
    ],
  },
  {
    name: 'shadow storage on itself passes whatever the letter case',
    build: () => withGuestVolumes({ mountPoint: 'D:', shadowStorageOn: 'd:\\' }),
    ruleId: 'HV-SHADOW-STORAGE-ELSEWHERE',
    severity: null,
  },
  {
    name: 'offline backup when E: sits on a dynamic disk',
    build: () => withGuestVolumes({ mountPoint: 'E:', diskType: 'dynamic' }),
    ruleId: 'HV-DYNAMIC-DISK',
    severity: 'warning',
    names: ['E:', "'app01'", 'dynamic disk'],
    remedy: ['convert basic'],
  },
  {
    name: 'offline backup when F: is FAT32',
    build: () => withGuestVolumes({ mountPoint: 'F:', fileSystem: 'fat32' }),
    ruleId: 'HV-UNSUPPORTED-FS',
    severity: 'warning',
    names: ['F:', 'FAT32', "'app01'"],
    remedy: ['convert F: /FS:NTFS'],
  },
  {
    name: 'a Linux FAT volume cannot be frozen',
    build: () => {
      const inventory = makeHypervEstate({ osFamily: 'linux' });
      inventory.guestVolumes.push(
        makeGuestVolume({
          mountPoint: '/boot/efi',
          fileSystem: 'fat',
          vssEnabled: false,
          shadowStorageOn: null,
        }),
      );
      return inventory;
    },
    ruleId: 'HV-UNSUPPORTED-FS',
    severity: 'warning',
    names: ['/boot/efi', 'cannot be frozen'],
  },
  {
    name: 'offline backup when the checkpoint files live on E: and the VHDs on D:',
    build: () => {
      const inventory = makeHypervEstate({ snapshotLocationVolumeId: 'hv01:E:' });
      inventory.hostVolumes.push(makeHostVolume({ name: 'E:' }));
      return inventory;
    },
    ruleId: 'HV-SNAPSHOT-LOCATION-ELSEWHERE',
    severity: 'warning',
    names: ["'E:'", "'D:'", "'app01'"],
    remedy: ["Set-VM -Name 'app01' -SnapshotFileLocation 'D:\\Hyper-V\\app01'"],
  },
  {
    name: 'checkpoint files beside the VHDs pass',
    build: () => makeHypervEstate({ snapshotLocationVolumeId: 'hv01:D:' }),
    ruleId: 'HV-SNAPSHOT-LOCATION-ELSEWHERE',
    severity: null,
  },
  {
    name: 'the offline summary lists every failed online prerequisite',
    build: () => {
      const inventory = withGuestVolumes(
        { mountPoint: 'D:', shadowStorageOn: 'C:' },
        { mountPoint: 'E:', diskType: 'dynamic' },
      );
      inventory.vms[0].backupIntegrationService = 'stopped';
      return inventory;
    },
    ruleId: 'HV-OFFLINE-BACKUP',
    severity: 'warning',
    names: [
      "'app01'",
      'saved state',
      'cannot be backed up online: Backup integration service off or missing (HV-BACKUP-IC-MISSING); ',
      'Shadow copies kept on another volume (D:; HV-SHADOW-STORAGE-ELSEWHERE)',
      'Dynamic disk in the guest (E:; HV-DYNAMIC-DISK)',
    ],
  },
  {
    name: 'no offline summary for a powered-off VM, even with failed prerequisites',
    build: () => {
      const inventory = withGuestVolumes({ mountPoint: 'D:', shadowStorageOn: 'C:' });
      inventory.vms[0].powerState = 'off';
      return inventory;
    },
    ruleId: 'HV-OFFLINE-BACKUP',
    severity: null,
    check: (found) =>
      expect(found.find((f) => f.ruleId === 'HV-SHADOW-STORAGE-ELSEWHERE')?.severity).toBe('info'),
  },
  {
    name: 'no offline summary for a healthy running VM',
    build: () => makeHypervEstate(),
    ruleId: 'HV-OFFLINE-BACKUP',
    severity: null,
  },
  {
    name: 'a pass-through disk is left out by host-level backup, guest-agent recommended for it',
    build: () => {
      const inventory = makeHypervEstate({ name: 'fs01' });
      inventory.virtualDisks.push(
        makeDisk({ vmId: 'fs01', name: 'PhysicalDisk3', kind: 'passthrough', hostVolumeId: null }),
      );
      inventory.guestVolumes.push(
        makeGuestVolume({ vmId: 'fs01', mountPoint: 'S:', diskId: 'PhysicalDisk3' }),
      );
      return inventory;
    },
    vmId: 'fs01',
    ruleId: 'HV-PASSTHROUGH-DISK',
    severity: 'warning',
    names: ["'fs01'", "'PhysicalDisk3'", 'S:'],
    remedy: ["Guest agent recommended for disk 'PhysicalDisk3'", "'skip'"],
    check: (found) => {
      const passthrough = found.find((f) => f.ruleId === 'HV-PASSTHROUGH-DISK');
      expect(passthrough?.methods).toEqual(['hyperv-vss', 'wsb-volume']);
      expect(passthrough?.objects).toContainEqual({
        kind: 'disk',
        id: 'PhysicalDisk3',
        name: 'PhysicalDisk3',
      });
    },
  },
  {
    name: 'host-level backup is blocked when VSS is disabled on host volume D:',
    build: () => {
      const inventory = makeHypervEstate();
      inventory.hostVolumes[0].vssEnabled = false;
      return inventory;
    },
    ruleId: 'HV-HOST-VOLUME-VSS-DISABLED',
    severity: 'blocker',
    names: ["'D:'", "'hv01'", "'app01'"],
    remedy: ['vssadmin add shadowstorage /for=D: /on=D:'],
  },
  {
    name: 'a checkpoint volume with VSS disabled blocks too',
    build: () => {
      const inventory = makeHypervEstate({ snapshotLocationVolumeId: 'hv01:E:' });
      inventory.hostVolumes.push(makeHostVolume({ name: 'E:', vssEnabled: false }));
      return inventory;
    },
    ruleId: 'HV-HOST-VOLUME-VSS-DISABLED',
    severity: 'blocker',
    names: ["'E:'"],
  },
  {
    name: 'shadow storage limit below the daily change of the three VMs on D:',
    build: () => {
      const inventory = estateWithVmsOnD(3);
      inventory.hostVolumes[0].shadowStorageLimitBytes = 10 * GIB;
      return inventory;
    },
    vmId: 'vm01',
    ruleId: 'HV-HOST-SHADOW-STORAGE-LOW',
    severity: 'warning',
    names: ["'D:'", "'hv01'", 'limit of 10 GiB', "'vm01', 'vm02' and 'vm03'", '15 GiB a day'],
    remedy: ['vssadmin resize shadowstorage /for=D: /on=D: /maxsize=23GB'],
  },
  {
    name: 'free space on the shadow storage volume below the expected change',
    build: () => {
      const inventory = estateWithVmsOnD(2);
      inventory.hostVolumes[0].shadowStorageLimitBytes = null;
      inventory.hostVolumes[0].freeBytes = 4 * GIB;
      return inventory;
    },
    vmId: 'vm01',
    ruleId: 'HV-HOST-SHADOW-STORAGE-LOW',
    severity: 'warning',
    names: ['no size limit', '4 GiB free', '10 GiB a day'],
    remedy: ["on 'D:'"],
  },
  {
    name: 'free space of the shadow storage volume not read, no size limit: unknown, said as info',
    build: () => {
      const inventory = estateWithVmsOnD(2);
      inventory.hostVolumes[0].shadowStorageLimitBytes = null;
      inventory.hostVolumes[0].freeBytes = null;
      return inventory;
    },
    vmId: 'vm01',
    ruleId: 'HV-HOST-SHADOW-STORAGE-LOW',
    severity: 'info',
    names: ['no size limit', "free space of 'D:' was not read", '10 GiB a day', "'vm01' finishes is unknown"],
    remedy: ['at least 15 GiB free', 'vssadmin list shadowstorage /for=D:', 'read the host again'],
  },
  {
    name: 'free space not read, but a size limit below the expected change: low whatever is free',
    build: () => {
      const inventory = estateWithVmsOnD(3);
      inventory.hostVolumes[0].shadowStorageLimitBytes = 10 * GIB;
      inventory.hostVolumes[0].freeBytes = null;
      return inventory;
    },
    vmId: 'vm01',
    ruleId: 'HV-HOST-SHADOW-STORAGE-LOW',
    severity: 'warning',
    names: ['limit of 10 GiB', 'free space that was not read', '15 GiB a day'],
    remedy: ['vssadmin resize shadowstorage /for=D: /on=D: /maxsize=23GB'],
  },
  {
    name: 'free space not read on a volume VSS is off on: the blocker says it, nothing about room',
    build: () => {
      const inventory = estateWithVmsOnD(2);
      inventory.hostVolumes[0].vssEnabled = false;
      inventory.hostVolumes[0].freeBytes = null;
      return inventory;
    },
    vmId: 'vm01',
    ruleId: 'HV-HOST-SHADOW-STORAGE-LOW',
    severity: null,
  },
  {
    name: 'shadow storage with room for the expected change passes',
    build: () => estateWithVmsOnD(3),
    vmId: 'vm02',
    ruleId: 'HV-HOST-SHADOW-STORAGE-LOW',
    severity: null,
  },
  {
    name: 'WSB restores the whole volume shared by many VMs: lists the other VMs',
    build: () => estateWithVmsOnD(14, { hasVssAwareProduct: false }),
    vmId: 'vm01',
    ruleId: 'WSB-VOLUME-GRANULARITY',
    severity: 'warning',
    names: ["'D:'", "'hv01'", "'vm01'", "'vm02'", "'vm11'", 'and 3 more'],
    check: (found) => {
      const wsb = found.find((f) => f.ruleId === 'WSB-VOLUME-GRANULARITY');
      const vmNames = wsb?.objects.filter((o) => o.kind === 'vm').map((o) => o.name);
      expect(vmNames).toHaveLength(14); // the VM itself and all 13 others, none cut
      expect(wsb?.message).not.toContain("'vm14'"); // the message shows ten, then "and 3 more"
      expect(wsb?.methods).toEqual(['wsb-volume']);
    },
  },
  {
    name: 'WSB on a volume the VM has to itself is info',
    build: () => estateWithVmsOnD(1, { hasVssAwareProduct: false }),
    vmId: 'vm01',
    ruleId: 'WSB-VOLUME-GRANULARITY',
    severity: 'info',
    names: ["'D:'", "'vm01'"],
  },
  {
    name: 'no WSB granularity finding where a VSS-aware product backs VMs up one by one',
    build: () => estateWithVmsOnD(3),
    vmId: 'vm01',
    ruleId: 'WSB-VOLUME-GRANULARITY',
    severity: null,
  },
];

describe('Hyper-V rules', () => {
  it.each(rows)('$name', (row) => {
    const vmId = row.vmId ?? 'app01';
    const { found, matching } = checkRuleRow({ ...row, vmId });
    if (row.severity !== null) {
      expect(matching[0].objects.some((o) => o.kind === 'vm' && o.id === vmId)).toBe(true);
    }
    row.check?.(found);
  });

  it('a healthy running Windows VM on a VSS-aware host has no finding at all', () => {
    expect(findingsOf(makeHypervEstate(), 'app01')).toEqual([]);
  });

  it('Hyper-V rules stay silent for XenServer VMs', () => {
    const inventory = makeHypervEstate({ backupIntegrationService: 'missing' });
    inventory.hosts[0].kind = 'xenserver';
    expect(
      findingsOf(inventory, 'app01', { quiesce: false }).filter((f) => f.ruleId.startsWith('HV-')),
    ).toEqual([]);
  });

  it('names the missing object when the inventory references a volume it does not hold', () => {
    const inventory = makeHypervEstate();
    inventory.virtualDisks[0].hostVolumeId = 'nowhere';
    expect(() => findingsOf(inventory, 'app01')).toThrow(/Disk 'app01-disk0' of VM 'app01'.*'nowhere'/);
  });
});
