import { describe, expect, it } from 'vitest';
import type { Inventory } from '../inventory';
import {
  addVms,
  backWithLun,
  checkRuleRow,
  makeConsistencyGroup,
  makeDisk,
  makeHostVolume,
  makeHypervEstate,
  makeVmOnVolume,
  makeXenEstate,
  type RuleRow,
} from '../test-fixtures';

interface Row extends RuleRow {
  /** Names of the VMs (other than app01) the finding's objects must list, in any order. */
  otherVms?: string[];
}

/** app01 on D: backed by lun01 (netapp01). */
function onLun(vm: Parameters<typeof makeHypervEstate>[0] = {}): Inventory {
  return backWithLun(makeHypervEstate(vm), 'hv01:D:');
}

/** app01 with a second disk on E:; D: on lun01, E: on `lun02` (array and group as given). */
function onTwoLuns(lun02: { arrayId?: string; groupOfBoth?: boolean }): Inventory {
  const inventory = onLun();
  inventory.hostVolumes.push(makeHostVolume({ name: 'E:' }));
  inventory.virtualDisks.push(makeDisk({ name: 'app01-disk1', hostVolumeId: 'hv01:E:' }));
  backWithLun(inventory, 'hv01:E:', { name: 'lun02' }, { name: lun02.arrayId ?? 'netapp01' });
  if (lun02.groupOfBoth) {
    inventory.consistencyGroups.push(makeConsistencyGroup());
    for (const lun of inventory.arrayVolumes) lun.consistencyGroupId = 'cg01';
  }
  return inventory;
}

const rows: Row[] = [
  {
    name: 'an array without snapshots blocks the array method',
    build: () =>
      backWithLun(
        makeHypervEstate(),
        'hv01:D:',
        {},
        { name: 'jbod01', vendor: 'other', supportsSnapshots: false },
      ),
    ruleId: 'ARRAY-NO-SNAPSHOT',
    severity: 'blocker',
    names: ["'lun01'", "'jbod01'", "'app01'"],
  },
  {
    name: 'a NetApp LUN that cannot snapshot gets the ONTAP command',
    build: () => backWithLun(makeHypervEstate(), 'hv01:D:', { supportsSnapshots: false }),
    ruleId: 'ARRAY-NO-SNAPSHOT',
    severity: 'blocker',
    names: ["LUN 'lun01' of array 'netapp01' cannot be snapshotted"],
    remedy: ['volume modify -volume lun01 -percent-snapshot-space'],
  },
  {
    name: 'an EqualLogic LUN that cannot snapshot gets a snapshot reserve command',
    build: () =>
      backWithLun(
        makeHypervEstate(),
        'hv01:D:',
        { supportsSnapshots: false },
        { name: 'eql01', vendor: 'equallogic' },
      ),
    ruleId: 'ARRAY-NO-SNAPSHOT',
    severity: 'blocker',
    remedy: ['volume select lun01 snap-reserve'],
  },
  {
    name: 'a snapshot-capable LUN passes',
    build: () => onLun(),
    ruleId: 'ARRAY-NO-SNAPSHOT',
    severity: null,
  },
  {
    name: 'a LUN whose state the array did not report is unknown, not assumed able (warning)',
    build: () => backWithLun(makeHypervEstate(), 'hv01:D:', { supportsSnapshots: null }),
    ruleId: 'ARRAY-SNAPSHOT-UNKNOWN',
    severity: 'warning',
    names: ["LUN 'lun01' of array 'netapp01'", "'app01'", 'did not report its state'],
    remedy: ["'lun01' is online"],
  },
  {
    name: 'a LUN of unknown state does not block the array method',
    build: () => backWithLun(makeHypervEstate(), 'hv01:D:', { supportsSnapshots: null }),
    ruleId: 'ARRAY-NO-SNAPSHOT',
    severity: null,
  },
  {
    name: 'a LUN of unknown state on an array without snapshots: the array decides (blocker)',
    build: () =>
      backWithLun(
        makeHypervEstate(),
        'hv01:D:',
        { supportsSnapshots: null },
        { name: 'jbod01', vendor: 'other', supportsSnapshots: false },
      ),
    ruleId: 'ARRAY-NO-SNAPSHOT',
    severity: 'blocker',
    names: ["'jbod01'"],
  },
  {
    name: 'a snapshot-capable LUN is not unknown',
    build: () => onLun(),
    ruleId: 'ARRAY-SNAPSHOT-UNKNOWN',
    severity: null,
  },
  {
    name: 'array snapshots under Hyper-V are orchestrated by Migawka (info)',
    build: () => onLun(),
    ruleId: 'ARRAY-NOT-INTEGRATED',
    severity: 'info',
    names: ["'app01'", "'hv01'", 'freezes the guest'],
  },
  {
    name: 'XenServer drives NetApp snapshots itself: no integration note',
    build: () => backWithLun(makeXenEstate(), 'sr01'),
    ruleId: 'ARRAY-NOT-INTEGRATED',
    severity: null,
  },
  {
    name: 'a VM without an array behind its disks gets no array finding',
    build: () => makeHypervEstate({ applications: ['sqlserver'] }),
    ruleId: 'ARRAY-APP-NEEDS-SCRIPTS',
    severity: null,
  },
  {
    name: 'an online SQL Server without freeze scripts is crash-consistent on the array',
    build: () => onLun({ name: 'sql01', applications: ['sqlserver'] }),
    ruleId: 'ARRAY-APP-NEEDS-SCRIPTS',
    severity: 'warning',
    names: ["'sql01'", 'runs SQL Server online', 'crash-consistent'],
    remedy: ['SUSPEND_FOR_SNAPSHOT_BACKUP = ON'],
  },
  {
    name: 'missing scripts are a blocker when the job requires consistency',
    build: () => onLun({ name: 'sql01', applications: ['sqlserver'] }),
    options: { consistencyPolicy: 'require' },
    ruleId: 'ARRAY-APP-NEEDS-SCRIPTS',
    severity: 'blocker',
    names: ['would fail'],
  },
  {
    name: 'freeze scripts make the SQL Server VM pass',
    build: () => onLun({ name: 'sql01', applications: ['sqlserver'], hasFreezeScripts: true }),
    ruleId: 'ARRAY-APP-NEEDS-SCRIPTS',
    severity: null,
  },
  {
    name: "the job's own pre-freeze and post-thaw scripts make it pass, even when the job requires consistency",
    build: () => onLun({ name: 'sql01', applications: ['sqlserver'] }),
    options: { consistencyPolicy: 'require', jobScripts: { preFreeze: true, postThaw: true } },
    ruleId: 'ARRAY-APP-NEEDS-SCRIPTS',
    severity: null,
  },
  {
    name: "the job's pre-freeze script without a post-thaw script: consistent, but nothing resumes the application",
    build: () => onLun({ name: 'sql01', applications: ['sqlserver'] }),
    options: { consistencyPolicy: 'require', jobScripts: { preFreeze: true, postThaw: false } },
    ruleId: 'ARRAY-APP-NEEDS-SCRIPTS',
    severity: 'warning',
    names: ["'sql01'", 'no post-thaw script', 'nothing resumes SQL Server'],
    remedy: ['SUSPEND_FOR_SNAPSHOT_BACKUP = OFF'],
  },
  {
    name: "the job's post-thaw script alone quiesces nothing: still a blocker under `require`",
    build: () => onLun({ name: 'sql01', applications: ['sqlserver'] }),
    options: { consistencyPolicy: 'require', jobScripts: { preFreeze: false, postThaw: true } },
    ruleId: 'ARRAY-APP-NEEDS-SCRIPTS',
    severity: 'blocker',
    names: ['only its post-thaw script', 'would fail'],
  },
  {
    name: 'a powered-off SQL Server VM needs no freeze scripts',
    build: () => onLun({ name: 'sql01', applications: ['sqlserver'], powerState: 'off' }),
    ruleId: 'ARRAY-APP-NEEDS-SCRIPTS',
    severity: null,
  },
  {
    name: 'VMs sharing the LUN through another host volume are co-captured',
    build: () => {
      const inventory = onLun();
      inventory.hostVolumes.push(makeHostVolume({ name: 'E:' }));
      backWithLun(inventory, 'hv01:E:'); // same lun01 behind E:
      return addVms(
        inventory,
        makeVmOnVolume({ name: 'web01' }),
        makeVmOnVolume({ name: 'web02' }, 'hv01:E:'),
        makeVmOnVolume({ name: 'web03' }, 'hv01:E:'),
      );
    },
    ruleId: 'ARRAY-SHARED-VOLUME',
    severity: 'warning',
    names: ["'lun01'", "'web01'", "'web02'", "'web03'", 'roll'],
    otherVms: ['web01', 'web02', 'web03'],
  },
  {
    name: 'a consistency group captures the VMs on its other LUNs too',
    build: () => {
      const inventory = onTwoLuns({ groupOfBoth: true });
      inventory.virtualDisks = inventory.virtualDisks.filter((d) => d.id !== 'app01-disk1');
      return addVms(inventory, makeVmOnVolume({ name: 'db02' }, 'hv01:E:'));
    },
    ruleId: 'ARRAY-SHARED-VOLUME',
    severity: 'warning',
    names: ["'lun02'", "'db02'"],
    otherVms: ['db02'],
  },
  {
    name: 'a VM alone on its LUN shares nothing',
    build: () => onLun(),
    ruleId: 'ARRAY-SHARED-VOLUME',
    severity: null,
  },
  {
    name: 'disks on two LUNs outside one consistency group',
    build: () => onTwoLuns({}),
    ruleId: 'ARRAY-CG-INCOMPLETE',
    severity: 'warning',
    names: ["'lun01'", "'lun02'", "'app01'", 'not in one consistency group'],
    remedy: ["'lun01' and 'lun02' in one consistency group"],
  },
  {
    name: 'disks spanning two arrays can never share a consistency group',
    build: () => onTwoLuns({ arrayId: 'eql01' }),
    ruleId: 'ARRAY-CG-INCOMPLETE',
    severity: 'warning',
    names: ["array 'netapp01'", "array 'eql01'", 'cannot span two arrays'],
    remedy: ['onto one array'],
  },
  {
    name: 'two LUNs in one consistency group pass',
    build: () => onTwoLuns({ groupOfBoth: true }),
    ruleId: 'ARRAY-CG-INCOMPLETE',
    severity: null,
  },
  {
    name: 'a pass-through LUN beside a VHDX LUN counts towards the consistency group check',
    build: () => {
      const inventory = onLun();
      inventory.arrayVolumes.push({ ...inventory.arrayVolumes[0], id: 'lun09', name: 'lun09' });
      inventory.virtualDisks.push(
        makeDisk({ name: 'PhysicalDisk2', kind: 'passthrough', hostVolumeId: null, arrayVolumeId: 'lun09' }),
      );
      return inventory;
    },
    ruleId: 'ARRAY-CG-INCOMPLETE',
    severity: 'warning',
    names: ["'lun09'"],
  },
];

describe('array rules', () => {
  it.each(rows)('$name', (row) => {
    const { matching } = checkRuleRow(row);
    if (row.severity === null) return;
    const [finding] = matching;
    expect(finding.methods).toEqual(['array-snapshot']);
    if (row.otherVms) {
      const vms = finding.objects.filter((o) => o.kind === 'vm' && o.id !== finding.vmId).map((o) => o.name);
      expect(vms.sort()).toEqual([...row.otherVms].sort());
    }
  });
});
