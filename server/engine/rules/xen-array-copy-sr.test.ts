import { describe, expect, it } from 'vitest';
import type { Inventory } from '../inventory';
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
 * XenServer VM 'db02' with one raw disk on SR 'sr01' of type `type` (undefined: not stated), backed
 * by a NetApp LUN unless `onArray` is false.
 */
function xenVmOnSr(type: string | null | undefined, onArray = true): Inventory {
  const inventory = makeXenEstate({ name: 'db02' });
  const [sr] = inventory.hostVolumes;
  if (type === undefined) delete sr.storageType;
  else sr.storageType = type;
  return onArray ? backWithLun(inventory, sr.id, { name: 'vmstore' }) : inventory;
}

const rows: (RuleRow & { objects?: string[] })[] = [
  {
    name: 'an LVM over Fibre Channel SR on an array LUN blocks the array snapshot, naming the SR and the rescan',
    build: () => xenVmOnSr('lvmohba'),
    ruleId: 'XS-ARRAY-COPY-SR-TYPE',
    severity: 'blocker',
    names: ["'db02'", "'sr01'", 'lvmohba', 'iSCSI rescan', 'cannot be copied out of an array snapshot yet'],
    remedy: ['XenServer snapshot (xen-snapshot)', 'xe vdi-pool-migrate'],
    objects: ['vm', 'host-volume', 'disk'],
  },
  {
    name: 'an ext SR over iSCSI on an array LUN blocks the array snapshot: its disks are files',
    build: () => xenVmOnSr('ext'),
    ruleId: 'XS-ARRAY-COPY-SR-TYPE',
    severity: 'blocker',
    names: ["'sr01'", 'file-based (ext)', 'files in a file system'],
    remedy: ['xen-snapshot'],
    objects: ['vm', 'host-volume', 'disk'],
  },
  {
    name: 'an NFS SR stated on an array volume blocks it the same way',
    build: () => xenVmOnSr('nfs'),
    ruleId: 'XS-ARRAY-COPY-SR-TYPE',
    severity: 'blocker',
    names: ['file-based (nfs)'],
  },
  {
    name: 'a thin GFS2 SR is file-based too',
    build: () => xenVmOnSr('gfs2'),
    ruleId: 'XS-ARRAY-COPY-SR-TYPE',
    severity: 'blocker',
    names: ['file-based (gfs2)'],
  },
  {
    name: 'a local LVM SR on a LUN is not LVM over iSCSI: blocked, naming its type',
    build: () => xenVmOnSr('lvm'),
    ruleId: 'XS-ARRAY-COPY-SR-TYPE',
    severity: 'blocker',
    names: ['of type lvm', 'only LVM over iSCSI (lvmoiscsi)'],
  },
  {
    name: 'an SR whose type was not read is a warning, not assumed lvmoiscsi',
    build: () => xenVmOnSr(null),
    ruleId: 'XS-ARRAY-COPY-SR-TYPE',
    severity: 'warning',
    names: ['Could not read the type of SR', "'sr01'", 'may fail'],
    remedy: ['storageType', 'xen-snapshot'],
    objects: ['vm', 'host-volume', 'disk'],
  },
  {
    name: 'an SR stated without a type (an inventory file) is not read either',
    build: () => xenVmOnSr(undefined),
    ruleId: 'XS-ARRAY-COPY-SR-TYPE',
    severity: 'warning',
  },
  {
    name: 'an LVM over iSCSI SR on an array LUN says nothing: its LVs are read',
    build: () => xenVmOnSr('lvmoiscsi'),
    ruleId: 'XS-ARRAY-COPY-SR-TYPE',
    severity: null,
  },
  {
    name: 'an ext SR that no array backs says nothing: no array snapshot copies it',
    build: () => xenVmOnSr('ext', false),
    ruleId: 'XS-ARRAY-COPY-SR-TYPE',
    severity: null,
  },
];

describe('XS-ARRAY-COPY-SR-TYPE', () => {
  it.each(rows)('$name', (row) => {
    const { matching } = checkRuleRow(row);
    if (row.severity === null) return;
    expect(matching).toHaveLength(1);
    expect(matching[0].methods).toEqual(['array-snapshot']);
    if (row.objects) expect(matching[0].objects.map((o) => o.kind)).toEqual(row.objects);
  });

  it('one finding per SR the copy cannot read, each naming only its own disks', () => {
    const inventory = xenVmOnSr('lvmohba');
    const vmId = inventory.vms[0].id;
    inventory.hostVolumes.push({ ...inventory.hostVolumes[0], id: 'sr02', name: 'sr02', storageType: 'ext' });
    inventory.hostVolumes.push({
      ...inventory.hostVolumes[0],
      id: 'sr03',
      name: 'sr03',
      storageType: 'lvmoiscsi',
    });
    inventory.virtualDisks.push(
      makeDisk({ vmId, name: 'db02-data', kind: 'vdi', hostVolumeId: 'sr02', storageFormat: 'raw' }),
      makeDisk({ vmId, name: 'db02-logs', kind: 'vdi', hostVolumeId: 'sr03', storageFormat: 'raw' }),
    );
    const found = findingsOf(inventory, vmId).filter((f) => f.ruleId === 'XS-ARRAY-COPY-SR-TYPE');
    expect(found.map((f) => [f.severity, f.objects.map((o) => o.name)])).toEqual([
      ['blocker', ['db02', 'sr01', inventory.virtualDisks[0].name]],
      ['blocker', ['db02', 'sr02', 'db02-data']],
    ]);
  });

  it('the blocker makes the array method unavailable with its words, and the planner offers xen-snapshot', () => {
    const inventory = xenVmOnSr('lvmohba');
    const { plan } = planVm(indexInventory(inventory), inventory.vms[0].id);
    const array = plan.options.find((option) => option.method === 'array-snapshot');
    expect(array?.isAvailable).toBe(false);
    expect(array?.unavailableReasons.join(' ')).toContain("SR 'sr01' is LVM over Fibre Channel (lvmohba)");
    expect(plan.options.find((option) => option.method === 'xen-snapshot')?.isAvailable).toBe(true);
    expect(plan.recommended).toBe('xen-snapshot');
  });

  it('an unread type leaves the array method available: unknown is said, not turned into a refusal', () => {
    const inventory = xenVmOnSr(null);
    const { plan } = planVm(indexInventory(inventory), inventory.vms[0].id);
    expect(plan.options.find((option) => option.method === 'array-snapshot')?.isAvailable).toBe(true);
  });
});
