import { describe, expect, it } from 'vitest';
import type { DiskStorageFormat, Inventory } from '../inventory';
import { indexInventory } from '../inventory';
import { planVm } from '../planner';
import {
  backWithLun,
  checkRuleRow,
  findingsOf,
  makeDisk,
  makeXenEstate,
  type RuleRow,
} from '../test-fixtures';

/**
 * A XenServer VM on an SR of `srType` (lvmoiscsi unless said; null = not read), backed by a NetApp
 * LUN unless `onArray` is false, its disks stored so.
 */
function xenVmWithDisks(
  formats: (DiskStorageFormat | null | undefined)[],
  { onArray = true, srType = 'lvmoiscsi' }: { onArray?: boolean; srType?: string | null } = {},
): Inventory {
  const inventory = makeXenEstate({ name: 'db02' });
  const [sr] = inventory.hostVolumes;
  sr.storageType = srType;
  const vmId = inventory.vms[0].id;
  inventory.virtualDisks = formats.map((format, i) =>
    makeDisk({
      vmId,
      name: `db02-disk${i}`,
      kind: 'vdi',
      hostVolumeId: sr.id,
      ...(format === undefined ? {} : { storageFormat: format }),
    }),
  );
  inventory.guestVolumes[0].diskId = 'db02-disk0';
  return onArray ? backWithLun(inventory, sr.id, { name: 'vmstore' }) : inventory;
}

const rows: (RuleRow & { objects?: string[] })[] = [
  {
    name: 'VHD and raw disks on an LVM over iSCSI SR say nothing: both are copied out of the snapshot',
    build: () => xenVmWithDisks(['raw', 'vhd']),
    ruleId: 'XS-ARRAY-COPY-VHD',
    severity: null,
  },
  {
    name: 'disks on an SR the copy does not read (lvmohba, ext) are XS-ARRAY-COPY-SR-TYPE’s blocker, not this rule’s',
    build: () => xenVmWithDisks([null, 'vhd'], { srType: 'lvmohba' }),
    ruleId: 'XS-ARRAY-COPY-VHD',
    severity: null,
  },
  {
    name: 'an SR whose type was not read leaves its raw disks to XS-ARRAY-COPY-SR-TYPE’s warning',
    build: () => xenVmWithDisks(['raw'], { srType: null }),
    ruleId: 'XS-ARRAY-COPY-VHD',
    severity: null,
  },
  {
    name: 'a disk whose format was not read is a warning, not assumed raw or VHD',
    build: () => xenVmWithDisks([null]),
    ruleId: 'XS-ARRAY-COPY-VHD',
    severity: 'warning',
    names: ['Could not read how', "'db02-disk0'", "'db02'", 'only raw and VHD disks'],
    remedy: ['vdi_type', 'xen-snapshot'],
    objects: ['vm', 'disk'],
  },
  {
    name: 'a disk stated without a format (an inventory file) is not read either',
    build: () => xenVmWithDisks([undefined]),
    ruleId: 'XS-ARRAY-COPY-VHD',
    severity: 'warning',
    names: ['Could not read how'],
  },
  {
    name: 'a disk on an SR that no array backs says nothing, whatever its SR: no array snapshot copies it',
    build: () => xenVmWithDisks(['vhd', null], { onArray: false, srType: 'lvmohba' }),
    ruleId: 'XS-ARRAY-COPY-VHD',
    severity: null,
  },
  {
    name: 'a Hyper-V VM says nothing, whatever its disks',
    build: () => {
      const inventory = xenVmWithDisks([null], { srType: 'lvmohba' });
      inventory.hosts[0].kind = 'hyperv';
      return inventory;
    },
    ruleId: 'XS-ARRAY-COPY-VHD',
    severity: null,
  },
];

describe('XS-ARRAY-COPY-VHD', () => {
  it.each(rows)('$name', (row) => {
    const { matching } = checkRuleRow(row);
    if (row.severity === null) return;
    expect(matching).toHaveLength(1);
    expect(matching[0].methods).toEqual(['array-snapshot']);
    if (row.objects) expect(matching[0].objects.map((o) => o.kind)).toEqual(row.objects);
  });

  it('an lvmohba SR and an unread disk format: the SR rule blocks, this rule warns for the other disk only', () => {
    const inventory = xenVmWithDisks([null, 'raw']);
    const other = { ...inventory.hostVolumes[0], id: 'sr02', name: 'fc01', storageType: 'lvmohba' };
    inventory.hostVolumes.push(other);
    inventory.virtualDisks[1].hostVolumeId = other.id;
    const found = findingsOf(inventory, inventory.vms[0].id).filter((f) =>
      f.ruleId.startsWith('XS-ARRAY-COPY'),
    );
    expect(found.map((f) => [f.ruleId, f.severity, f.objects.map((o) => o.name)]).sort()).toEqual([
      ['XS-ARRAY-COPY-SR-TYPE', 'blocker', expect.arrayContaining(['db02'])],
      ['XS-ARRAY-COPY-VHD', 'warning', ['db02', 'db02-disk0']],
    ]);
    const { plan } = planVm(indexInventory(inventory), inventory.vms[0].id);
    expect(plan.options.find((option) => option.method === 'array-snapshot')?.isAvailable).toBe(false);
    expect(plan.options.find((option) => option.method === 'xen-snapshot')?.isAvailable).toBe(true);
  });

  it('VHD disks and an unread format leave the array method available: unknown is said, not turned into a refusal', () => {
    for (const formats of [['vhd', 'vhd'], [null]] as (DiskStorageFormat | null)[][]) {
      const inventory = xenVmWithDisks(formats);
      const { plan } = planVm(indexInventory(inventory), inventory.vms[0].id);
      expect(plan.options.find((option) => option.method === 'array-snapshot')?.isAvailable).toBe(true);
    }
  });
});
