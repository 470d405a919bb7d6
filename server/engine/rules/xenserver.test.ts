import { describe, expect, it } from 'vitest';
import type { Vm } from '../inventory';
import { indexInventory } from '../inventory';
import { planVm } from '../planner';
import { checkRuleRow, findingsOf, makeXenEstate, type RuleRow } from '../test-fixtures';

const rows: RuleRow[] = [
  {
    name: 'a Linux VM with quiesce asked gets crash-consistent snapshots only',
    build: () => makeXenEstate({ name: 'web01', osFamily: 'linux', hasXenVssProvider: false }),
    options: { quiesce: true },
    ruleId: 'XS-QUIESCE-UNSUPPORTED-OS',
    severity: 'warning',
    names: ["'web01'", "'xs01'", 'linux', 'crash-consistent'],
    remedy: ['fsfreeze'],
  },
  {
    name: 'a VM whose guest was not read is not said to run Linux: its OS could not be read',
    build: () =>
      makeXenEstate({
        name: 'sql09',
        osFamily: 'linux',
        guestFactsUnknown: 'its guest reports no metrics to the pool',
      }),
    options: { quiesce: true },
    ruleId: 'XS-QUIESCE-UNSUPPORTED-OS',
    severity: 'warning',
    names: ["'sql09'", 'operating system', 'could not be read', 'crash-consistent'],
    absent: ['runs linux'],
  },
  {
    name: 'a Linux VM running an application asks for quiesce by default',
    build: () => makeXenEstate({ name: 'pg01', osFamily: 'linux', applications: ['other'] }),
    ruleId: 'XS-QUIESCE-UNSUPPORTED-OS',
    severity: 'warning',
    names: ["'pg01'"],
  },
  {
    name: 'a Linux VM with quiesce required is a blocker: the job would fail it',
    build: () => makeXenEstate({ name: 'web01', osFamily: 'linux' }),
    options: { quiesce: true, consistencyPolicy: 'require' },
    ruleId: 'XS-QUIESCE-UNSUPPORTED-OS',
    severity: 'blocker',
    names: ["'web01'", 'would fail'],
  },
  {
    name: 'a Linux VM without applications and no quiesce asked is not flagged',
    build: () => makeXenEstate({ name: 'web01', osFamily: 'linux' }),
    ruleId: 'XS-QUIESCE-UNSUPPORTED-OS',
    severity: null,
  },
  {
    name: 'a powered-off Linux VM has nothing to quiesce',
    build: () => makeXenEstate({ name: 'web01', osFamily: 'linux', powerState: 'off' }),
    options: { quiesce: true },
    ruleId: 'XS-QUIESCE-UNSUPPORTED-OS',
    severity: null,
  },
  {
    name: 'a Windows SQL Server VM without the Xen VSS provider cannot be quiesced',
    build: () => makeXenEstate({ name: 'sql02', applications: ['sqlserver'], hasXenVssProvider: false }),
    ruleId: 'XS-QUIESCE-PROVIDER-MISSING',
    severity: 'warning',
    names: ["'sql02'", "'xs01'", 'Xen VSS provider'],
    remedy: ['install-XenProvider.cmd', 'vssadmin list providers'],
  },
  {
    name: 'a release without quiesced snapshots names the host and its version',
    build: () =>
      makeXenEstate(
        { name: 'sql03', applications: ['sqlserver'] },
        { offersQuiescedSnapshots: false, version: '8.2' },
      ),
    ruleId: 'XS-QUIESCE-UNAVAILABLE',
    severity: 'warning',
    names: ["'xs01'", 'XenServer 8.2', "'sql03'"],
    remedy: ['array snapshot', 'guest-agent job'],
  },
  {
    name: 'provider missing and release without quiesce are both reported',
    build: () =>
      makeXenEstate(
        { name: 'sql03', applications: ['sqlserver'], hasXenVssProvider: false },
        { offersQuiescedSnapshots: false },
      ),
    ruleId: 'XS-QUIESCE-PROVIDER-MISSING',
    severity: 'warning',
    names: ["'sql03'"],
  },
  {
    name: 'a quiesce that can happen warns about its performance cost (info)',
    build: () => makeXenEstate({ name: 'exch01', applications: ['exchange'] }),
    ruleId: 'XS-QUIESCE-PERFORMANCE',
    severity: 'info',
    names: ["'exch01'", 'may fail under load'],
    remedy: ['off-peak'],
  },
  {
    name: 'no performance note when quiesce is explicitly not asked',
    build: () => makeXenEstate({ name: 'exch01', applications: ['exchange'] }),
    options: { quiesce: false },
    ruleId: 'XS-QUIESCE-PERFORMANCE',
    severity: null,
  },
];

/** The VM's SR with other facts, as a sync or an inventory file states them. */
const onSr = (sr: { canSnapshot?: boolean | null; storageType?: string | null }, vm: Partial<Vm> = {}) => {
  const inventory = makeXenEstate({ name: 'app02', ...vm });
  Object.assign(inventory.hostVolumes[0], { name: 'ontap-lun0', ...sr });
  return inventory;
};

const storageAndGuestRows: (RuleRow & { objects: string[] })[] = [
  {
    name: 'an SR whose driver cannot snapshot blocks XenServer snapshots, naming the SR and its type',
    build: () => onSr({ canSnapshot: false, storageType: 'rawhba' }),
    ruleId: 'XS-SR-NO-SNAPSHOT',
    severity: 'blocker',
    names: ["'ontap-lun0' (rawhba)", "'xs01'", "'app02'", 'VDI_SNAPSHOT', 'neither a XenServer snapshot'],
    remedy: ['xe vdi-pool-migrate', 'an array snapshot'],
    objects: ['vm', 'host-volume', 'host'],
  },
  {
    name: 'an SR whose driver was not read is unknown, not fine (info)',
    build: () => onSr({ canSnapshot: null, storageType: 'nfs' }),
    ruleId: 'XS-SR-SNAPSHOT-UNKNOWN',
    severity: 'info',
    names: ['Could not verify', "'ontap-lun0' (nfs)", "'app02'"],
    remedy: ['canSnapshot'],
    objects: ['vm', 'host-volume', 'host'],
  },
  {
    name: 'an SR stated without any facts (an inventory file) is unknown too',
    build: () => onSr({ canSnapshot: undefined, storageType: undefined }),
    ruleId: 'XS-SR-SNAPSHOT-UNKNOWN',
    severity: 'info',
    names: ["'ontap-lun0' on host"],
    objects: ['vm', 'host-volume', 'host'],
  },
  {
    name: 'an SR that can snapshot says nothing',
    build: () => onSr({ canSnapshot: true }),
    ruleId: 'XS-SR-NO-SNAPSHOT',
    severity: null,
    objects: [],
  },
  {
    name: 'a running guest the pool could not read is a warning naming why',
    build: () => makeXenEstate({ name: 'app03', guestFactsUnknown: 'its PV drivers are not detected' }),
    ruleId: 'XS-GUEST-FACTS-UNKNOWN',
    severity: 'warning',
    names: ['Could not verify the guest', "'app03'", "'xs01'", 'because its PV drivers are not detected'],
    remedy: ['XenServer VM Tools', 'xe-guest-utilities'],
    objects: ['vm', 'host'],
  },
  {
    name: 'a halted guest the pool could not read is info',
    build: () =>
      makeXenEstate({
        name: 'app03',
        powerState: 'off',
        guestFactsUnknown: 'it was halted when its pool was last read',
      }),
    ruleId: 'XS-GUEST-FACTS-UNKNOWN',
    severity: 'info',
    names: ['because it was halted'],
    objects: ['vm', 'host'],
  },
  {
    name: 'a guest that was read says nothing',
    build: () => makeXenEstate({ name: 'app03', guestFactsUnknown: null }),
    ruleId: 'XS-GUEST-FACTS-UNKNOWN',
    severity: null,
    objects: [],
  },
];

describe('XenServer storage and guest rules', () => {
  it.each(storageAndGuestRows)('$name', (row) => {
    const { matching } = checkRuleRow(row);
    if (row.severity === null) return;
    expect(matching).toHaveLength(1);
    expect(matching[0].methods).toEqual(['xen-snapshot', 'xen-quiesced']);
    expect(matching[0].objects.map((o) => o.kind)).toEqual(row.objects);
  });

  it('an SR that cannot snapshot makes both XenServer methods unavailable, with the rule as the reason', () => {
    const inventory = onSr({ canSnapshot: false, storageType: 'rawhba' });
    const { plan } = planVm(indexInventory(inventory), inventory.vms[0].id);
    for (const method of ['xen-snapshot', 'xen-quiesced'] as const) {
      const option = plan.options.find((candidate) => candidate.method === method);
      expect(option?.isAvailable).toBe(false);
      expect(option?.unavailableReasons.join(' ')).toContain("'ontap-lun0' (rawhba)");
    }
    expect(plan.recommended).not.toBe('xen-snapshot');
  });

  it('an unknown SR leaves xen-snapshot available: unknown is said, not turned into a refusal', () => {
    const inventory = onSr({ canSnapshot: null });
    const { plan } = planVm(indexInventory(inventory), inventory.vms[0].id);
    expect(plan.options.find((candidate) => candidate.method === 'xen-snapshot')?.isAvailable).toBe(true);
  });
});

describe('XenServer rules', () => {
  it.each(rows)('$name', (row) => {
    const { matching } = checkRuleRow(row);
    if (row.severity === null) return;
    expect(matching).toHaveLength(1);
    const [finding] = matching;
    expect(finding.methods).toEqual(['xen-quiesced']);
    expect(finding.objects.map((o) => o.kind)).toEqual(['vm', 'host']);
  });

  it('quiesce rules stay silent for Hyper-V VMs', () => {
    const inventory = makeXenEstate({ name: 'web01', osFamily: 'linux' });
    inventory.hosts[0].kind = 'hyperv';
    const found = findingsOf(inventory, 'web01', { quiesce: true });
    expect(found.filter((f) => f.ruleId.startsWith('XS-'))).toEqual([]);
  });
});
