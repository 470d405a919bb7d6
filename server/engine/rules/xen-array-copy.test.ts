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

/** A XenServer VM on an SR, backed by a NetApp LUN unless `onArray` is false, its disks stored so. */
function xenVmWithDisks(formats: (DiskStorageFormat | null | undefined)[], onArray = true): Inventory {
  const inventory = makeXenEstate({ name: 'db02' });
  const [sr] = inventory.hostVolumes;
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
    name: 'a VHD disk on an array LUN blocks the array snapshot, naming the disk and the XenServer snapshot',
    build: () => xenVmWithDisks(['raw', 'vhd']),
    ruleId: 'XS-ARRAY-COPY-VHD',
    severity: 'blocker',
    names: ["'db02'", "'db02-disk1'", 'VHD', 'cannot be copied out of an array snapshot yet'],
    remedy: ['XenServer snapshot (xen-snapshot)'],
    objects: ['vm', 'disk'],
  },
  {
    name: 'a disk whose format was not read is a warning, not assumed raw',
    build: () => xenVmWithDisks([null]),
    ruleId: 'XS-ARRAY-COPY-VHD',
    severity: 'warning',
    names: ['Could not read how', "'db02-disk0'", "'db02'"],
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
    name: 'raw disks on an array LUN say nothing',
    build: () => xenVmWithDisks(['raw', 'raw']),
    ruleId: 'XS-ARRAY-COPY-VHD',
    severity: null,
  },
  {
    name: 'a VHD disk on an SR that no array backs says nothing: no array snapshot copies it',
    build: () => xenVmWithDisks(['vhd', null], false),
    ruleId: 'XS-ARRAY-COPY-VHD',
    severity: null,
  },
  {
    name: 'a Hyper-V VM says nothing, whatever its disks',
    build: () => {
      const inventory = xenVmWithDisks(['vhd']);
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

  it('a VHD and an unread disk give one blocker and one warning, each naming only its own disks', () => {
    const inventory = xenVmWithDisks(['vhd', null, 'raw']);
    const found = findingsOf(inventory, inventory.vms[0].id).filter((f) => f.ruleId === 'XS-ARRAY-COPY-VHD');
    expect(found.map((f) => [f.severity, f.objects.map((o) => o.name)])).toEqual([
      ['blocker', ['db02', 'db02-disk0']],
      ['warning', ['db02', 'db02-disk1']],
    ]);
  });

  it('the blocker makes the array method unavailable with its words, and the planner offers xen-snapshot', () => {
    const inventory = xenVmWithDisks(['vhd']);
    const { plan } = planVm(indexInventory(inventory), inventory.vms[0].id);
    const array = plan.options.find((option) => option.method === 'array-snapshot');
    expect(array?.isAvailable).toBe(false);
    expect(array?.unavailableReasons.join(' ')).toContain('cannot be copied out of an array snapshot yet');
    expect(plan.options.find((option) => option.method === 'xen-snapshot')?.isAvailable).toBe(true);
    expect(plan.recommended).not.toBe('array-snapshot');
  });

  it('an unread format leaves the array method available: unknown is said, not turned into a refusal', () => {
    const inventory = xenVmWithDisks([null]);
    const { plan } = planVm(indexInventory(inventory), inventory.vms[0].id);
    expect(plan.options.find((option) => option.method === 'array-snapshot')?.isAvailable).toBe(true);
  });
});
