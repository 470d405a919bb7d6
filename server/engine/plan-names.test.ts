import { describe, expect, it } from 'vitest';
import { emptyInventory, type Inventory } from './inventory';
import {
  namesInInventory,
  pointNamesOfPlan,
  snapshotNamesOfPlan,
  vmNamesOfPlan,
  withNamesForIds,
} from './plan-names';
import type { OperationPlan, PlanStep, StepKind } from './plan-types';

const names = new Map([
  ['xen:6f1c2a', 'sql01'],
  ['vm-1', 'web-1'],
  ['vm-10', 'web-10'],
]);

describe('withNamesForIds', () => {
  it.each([
    [
      'an id alone',
      'pool-a restore of xen:6f1c2a: VM is running',
      "pool-a restore of 'sql01': VM is running",
    ],
    ['an id at the end of a sentence', 'cannot find vm-1.', "cannot find 'web-1'."],
    ['the longer of two ids that share a start', 'vm-10 and vm-1 are off', "'web-10' and 'web-1' are off"],
    ['an id inside a longer id', 'disk vm-1:disk0 and vm-1.vhdx', 'disk vm-1:disk0 and vm-1.vhdx'],
    ['an id after a prefix of its own kind', 'xvm-1 and x:vm-1', 'xvm-1 and x:vm-1'],
    [
      'an id as a segment of a path',
      'lab/vm-1/os.img and D:\\VMs\\vm-1\\os.vhdx',
      'lab/vm-1/os.img and D:\\VMs\\vm-1\\os.vhdx',
    ],
    ['no id', 'the pool refused the login', 'the pool refused the login'],
    ['an id twice', 'vm-1 then vm-1', "'web-1' then 'web-1'"],
  ])('%s', (_, message, expected) => {
    expect(withNamesForIds(message, names)).toBe(expected);
  });

  it('leaves an id that is its own name as it is', () => {
    expect(withNamesForIds('freeze of sql1 timed out', new Map([['sql1', 'sql1']]))).toBe(
      'freeze of sql1 timed out',
    );
  });

  it('reads ids as text, not as patterns', () => {
    expect(withNamesForIds('a.b and axb', new Map([['a.b', 'dotted']]))).toBe("'dotted' and axb");
  });
});

describe('vmNamesOfPlan', () => {
  const common = {
    steps: [],
    findings: [],
    isRunnable: true,
    blockedReasons: [],
    lockKeys: [],
    hostIds: [],
    arrayIds: [],
  };
  it.each<[string, OperationPlan, [string, string][]]>([
    [
      'a backup: every VM it captures',
      {
        ...common,
        kind: 'backup',
        vms: [
          { vmId: 'a', vmName: 'alpha' },
          { vmId: 'b', vmName: 'beta' },
        ] as never,
      },
      [
        ['a', 'alpha'],
        ['b', 'beta'],
      ],
    ],
    [
      'a restore: its VM, the VMs its revert rolls back and those it stops',
      {
        ...common,
        kind: 'restore',
        restorePointId: 'p',
        mode: 'revert-volume',
        vmId: 'a',
        vmName: 'alpha',
        collateral: [{ vmId: 'b', vmName: 'beta', dataLossMs: 1 }],
        discardedPointIds: [],
        confirmationText: null,
        stoppedVms: [{ vmId: 'c', vmName: 'gamma' }],
      } as never,
      [
        ['a', 'alpha'],
        ['b', 'beta'],
        ['c', 'gamma'],
      ],
    ],
    [
      'a restore planned before names were kept: none for its VM',
      { ...common, kind: 'restore', vmId: 'a', collateral: [], stoppedVms: [] } as never,
      [],
    ],
    [
      'a point verify: its VM',
      {
        ...common,
        kind: 'verify-point',
        restorePointId: 'p',
        vmId: 'a',
        vmName: 'alpha',
        pointCreatedAt: '',
      },
      [['a', 'alpha']],
    ],
  ])('%s', (_, plan, expected) => {
    expect([...vmNamesOfPlan(plan)]).toEqual(expected);
  });
});

describe('namesInInventory', () => {
  it('names every host, volume, VM, disk, array, LUN and consistency group by its id, and no guest volume', () => {
    // Only what the names are read from: ids and names.
    const named = (id: string, name: string) => ({ id, name });
    const inventory = {
      ...emptyInventory(),
      hosts: [named('hv:0b2e', 'hv-prod-01')],
      hostVolumes: [named('hv:0b2e:vol-d', 'D:')],
      vms: [named('hv:vm-9', 'sql01')],
      virtualDisks: [named('hv:vm-9:disk-1', 'sql01 data')],
      guestVolumes: [{ id: 'hv:vm-9:D:', vmId: 'hv:vm-9' }],
      arrays: [named('ontap:c1', 'cluster1')],
      arrayVolumes: [named('ontap:lun-7', '/vol/sql/lun0')],
      consistencyGroups: [named('ontap:cg-1', 'sql group')],
    } as unknown as Inventory;
    expect([...namesInInventory(inventory)]).toEqual([
      ['hv:0b2e', 'hv-prod-01'],
      ['hv:0b2e:vol-d', 'D:'],
      ['hv:vm-9', 'sql01'],
      ['hv:vm-9:disk-1', 'sql01 data'],
      ['ontap:c1', 'cluster1'],
      ['ontap:lun-7', '/vol/sql/lun0'],
      ['ontap:cg-1', 'sql group'],
    ]);
  });
});

describe('snapshotNamesOfPlan', () => {
  const step = (kind: StepKind, title: string, params: Record<string, unknown>): PlanStep => ({
    key: `${kind}:${title}`,
    kind,
    title,
    vmId: null,
    hostVolumeId: null,
    arrayVolumeId: null,
    undoes: null,
    params,
  });
  const planOf = (kind: 'backup' | 'restore', steps: PlanStep[]) =>
    ({ kind, steps }) as unknown as OperationPlan;
  it.each<[string, OperationPlan, [string, string][]]>([
    [
      'a backup: each snapshot by the title of the step that takes it',
      planOf('backup', [
        step('vss-snapshot', 'Hyper-V VSS snapshot of sql01 (online)', { snapshotId: 's1' }),
        step('xen-snapshot', 'Regular XenServer snapshot of web01', { snapshotId: 's2' }),
        step('array-snapshot', 'Snapshot lun0', { snapshotId: 's3' }),
      ]),
      [
        ['s1', 'Hyper-V VSS snapshot of sql01 (online)'],
        ['s2', 'Regular XenServer snapshot of web01'],
        ['s3', 'Snapshot lun0'],
      ],
    ],
    [
      'a backup: steps that use or release a snapshot do not name it',
      planOf('backup', [
        step('copy-to-repository', 'Copy sql01 to the repository', { snapshotId: 's1' }),
        step('release-snapshot', 'Release the snapshot of sql01', { snapshotId: 's1' }),
      ]),
      [],
    ],
    [
      "a restore: its point's snapshot was taken by an earlier operation",
      planOf('restore', [step('revert-volume', 'Revert lun0', { snapshotId: 's9' })]),
      [],
    ],
  ])('%s', (_, plan, expected) => {
    expect([...snapshotNamesOfPlan(plan)]).toEqual(expected);
  });
});

describe('pointNamesOfPlan', () => {
  const at = '2026-03-01T10:05:42.000Z';
  it.each<[string, Record<string, unknown>, [string, string][]]>([
    [
      'a restore: the point it reads, by its VM and time',
      { kind: 'restore', restorePointId: 'rp-1', vmName: 'sql01', pointCreatedAt: at },
      [['rp-1', 'sql01, 2026-03-01 10:05 UTC']],
    ],
    [
      'a verify of a point',
      { kind: 'verify-point', restorePointId: 'rp-2', vmName: 'web01', pointCreatedAt: at },
      [['rp-2', 'web01, 2026-03-01 10:05 UTC']],
    ],
    [
      'a delete of a point',
      { kind: 'delete-point', restorePointId: 'rp-3', vmName: 'web01', pointCreatedAt: at },
      [['rp-3', 'web01, 2026-03-01 10:05 UTC']],
    ],
    [
      "a restore stored before it kept its point's VM and time: nothing to name it by",
      { kind: 'restore', restorePointId: 'rp-4' },
      [],
    ],
    ['a backup: its points are being made', { kind: 'backup', vms: [], steps: [] }, []],
  ])('%s', (_, plan, expected) => {
    expect([...pointNamesOfPlan(plan as unknown as OperationPlan)]).toEqual(expected);
  });
});
