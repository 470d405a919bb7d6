import { describe, expect, it } from 'vitest';
import { planBackup } from '../backup-plan';
import { type Inventory, indexInventory } from '../inventory';
import { makeHypervEstate, makeXenEstate } from '../test-fixtures';
import type { BackupMethod, RuleId } from '../types';
import { checkpointFindings } from './xen-checkpoint';

const onSr = (canSnapshot: boolean | null, powerState: 'running' | 'off' = 'running') => {
  const inventory = makeXenEstate({ name: 'app02', powerState });
  Object.assign(inventory.hostVolumes[0], { name: 'ontap-lun0', canSnapshot });
  return inventory;
};

const GIB = 1024 ** 3;
/** app02 with 4 GiB of memory whose image goes to `sr01` with `freeGib` free (null: no suspend SR set). */
const withSuspendSr = (freeGib: number | null, memoryBytes: number | null = 4 * GIB) => {
  const inventory = makeXenEstate({ name: 'app02' });
  Object.assign(inventory.hostVolumes[0], { name: 'ontap-lun0', freeBytes: (freeGib ?? 0) * GIB });
  Object.assign(inventory.vms[0], {
    memoryBytes,
    suspendSrVolumeId: freeGib === null ? null : inventory.hostVolumes[0].id,
  });
  return inventory;
};

const rows: {
  name: string;
  build: () => Inventory;
  method?: BackupMethod;
  ruleIds: RuleId[];
  names?: string[];
}[] = [
  {
    name: 'a running Xen VM on an SR that snapshots can be checkpointed',
    build: () => makeXenEstate(),
    ruleIds: [],
  },
  {
    name: 'a halted Xen VM has nothing in memory to checkpoint',
    build: () => makeXenEstate({ name: 'web01', powerState: 'off' }),
    ruleIds: ['XS-CHECKPOINT-VM-NOT-RUNNING'],
    names: ["'web01'", 'halted', 'disk backup still runs'],
  },
  {
    name: 'a saved (suspended) Xen VM has nothing running to checkpoint',
    build: () => makeXenEstate({ name: 'web01', powerState: 'saved' }),
    ruleIds: ['XS-CHECKPOINT-VM-NOT-RUNNING'],
  },
  {
    name: 'an SR whose driver lacks VDI_SNAPSHOT refuses the checkpoint',
    build: () => onSr(false),
    ruleIds: ['XS-CHECKPOINT-SR-NO-SNAPSHOT'],
    names: ["'ontap-lun0'", "'app02'", 'VDI_SNAPSHOT'],
  },
  {
    name: 'an SR whose capability was not read is not assumed to refuse',
    build: () => onSr(null),
    ruleIds: [],
  },
  {
    name: 'halted on an SR that cannot snapshot: both are said',
    build: () => onSr(false, 'off'),
    ruleIds: ['XS-CHECKPOINT-VM-NOT-RUNNING', 'XS-CHECKPOINT-SR-NO-SNAPSHOT'],
  },
  {
    name: 'a suspend SR with room for the memory image',
    build: () => withSuspendSr(4),
    ruleIds: [],
  },
  {
    name: 'a suspend SR with less free space than the memory refuses the checkpoint',
    build: () => withSuspendSr(3),
    ruleIds: ['XS-CHECKPOINT-SUSPEND-SR-FULL'],
    names: ["'ontap-lun0'", "'app02'", '3.0 GiB free', '4.0 GiB of memory', 'SR_FULL'],
  },
  {
    name: 'no suspend SR the host sees: VM_NO_SUSPEND_SR',
    build: () => withSuspendSr(null),
    ruleIds: ['XS-CHECKPOINT-NO-SUSPEND-SR'],
    names: ["'app02'", 'VM_NO_SUSPEND_SR'],
  },
  {
    name: 'memory not read: where its image goes is not judged',
    build: () => withSuspendSr(null, null),
    ruleIds: [],
  },
  {
    name: 'a Hyper-V VM has no pool to keep a checkpoint on',
    build: () => makeHypervEstate({ name: 'sql01' }),
    method: 'hyperv-vss',
    ruleIds: ['XS-CHECKPOINT-NOT-XEN'],
    names: ["'sql01'"],
  },
  {
    name: 'a Xen VM captured by an array snapshot gets no pool checkpoint',
    build: () => makeXenEstate({ name: 'db01' }),
    method: 'array-snapshot',
    ruleIds: ['XS-CHECKPOINT-NOT-XEN'],
  },
];

describe('memory checkpoint prerequisites (XS-CHECKPOINT-*)', () => {
  it.each(rows)('$name', ({ build, method, ruleIds, names }) => {
    const index = indexInventory(build());
    const vm = index.inventory.vms[0];
    const findings = checkpointFindings(index, vm.id, method ?? 'xen-snapshot');
    expect(findings.map((finding) => finding.ruleId)).toEqual(ruleIds);
    for (const finding of findings) expect(finding.severity).toBe('warning');
    for (const name of names ?? []) expect(findings.map((f) => f.message).join(' ')).toContain(name);
  });
});

describe('a backup that keeps a memory checkpoint on the pool', () => {
  const plan = (inventory: Inventory, keepMemoryCheckpoint: boolean) => {
    const index = indexInventory(inventory);
    return planBackup(
      index,
      {
        scope: { kind: 'vms', vmIds: [index.inventory.vms[0].id] },
        methodByVm: { [index.inventory.vms[0].id]: 'xen-snapshot' },
        consistencyPolicy: 'fallback',
        passthroughPolicy: 'skip',
        keepMemoryCheckpoint,
      },
      {
        now: new Date('2026-12-01T02:00:00Z'),
        newId: () => 'id1',
        job: { id: 'job1', retention: { keepLast: 3 } as never, timeZone: 'UTC' },
      },
    );
  };

  it('checkpoints a running VM after its catalogued backup, named for the run, before retention', () => {
    const result = plan(makeXenEstate({ name: 'web01' }), true);
    const kinds = result.steps.map((step) => step.kind);
    expect(kinds.slice(-3)).toEqual(['catalog', 'xen-checkpoint', 'apply-retention']);
    const step = result.steps.find((candidate) => candidate.kind === 'xen-checkpoint');
    expect(step?.params).toEqual({
      vmName: 'web01',
      checkpointName: 'web01 memory checkpoint 2026-12-01 02:00 UTC (Migawka)',
      jobId: 'job1',
    });
    expect(result.isRunnable).toBe(true);
  });

  it('a halted VM backs up without a checkpoint, and the plan says why', () => {
    const result = plan(makeXenEstate({ name: 'web01', powerState: 'off' }), true);
    expect(result.steps.some((step) => step.kind === 'xen-checkpoint')).toBe(false);
    expect(result.findings.map((finding) => finding.ruleId)).toContain('XS-CHECKPOINT-VM-NOT-RUNNING');
    expect(result.isRunnable).toBe(true);
  });

  it('without the option no checkpoint is planned', () => {
    expect(plan(makeXenEstate(), false).steps.some((step) => step.kind === 'xen-checkpoint')).toBe(false);
  });
});
