import { describe, expect, it } from 'vitest';
import type { InventoryIndex } from './inventory';
import { makeIdSequence, makeOperationsIndex } from './operations-estate.fixture';
import type { RestoreMode, RestorePlan } from './plan-types';
import { formatDuration, isConfirmationValid, planRestore, type RestorePlanRequest } from './restore-plan';
import { listRestoreModes, type RestorePointSummary, volumeRevertsNeedingPoint } from './restore-points';
import { readStepParams } from './step-params';
import type { BackupMethod } from './types';

const NOW = new Date('2026-03-28T12:00:00Z');
const HOUR = 3_600_000;

function point(
  overrides: Partial<RestorePointSummary> & Pick<RestorePointSummary, 'id' | 'vmId'>,
): RestorePointSummary {
  return {
    vmName: overrides.vmId,
    method: 'hyperv-vss',
    consistency: 'application',
    consistencyReason: null,
    captureState: 'online',
    createdAt: new Date(NOW.getTime() - 10 * HOUR),
    hostVolumeId: 'hv01:D:',
    arrayVolumeId: null,
    snapshotId: `snap-${overrides.id}`,
    heldDiskIds: [`${overrides.vmId}-os`],
    missingDiskIds: [],
    sizeBytes: 40 * 1024 ** 3,
    jobId: 'job-nightly',
    expiresAt: null,
    ...overrides,
  };
}

/** Two WSB captures of hv02 D: (10 h and 2 h ago), each with a point per VM. */
const wsbPoints = [
  point({
    id: 'rp-wsb01-old',
    vmId: 'wsb01',
    method: 'wsb-volume',
    hostVolumeId: 'hv02:D:',
    snapshotId: 'snap-old',
  }),
  point({
    id: 'rp-wsb02-old',
    vmId: 'wsb02',
    method: 'wsb-volume',
    hostVolumeId: 'hv02:D:',
    snapshotId: 'snap-old',
  }),
  point({
    id: 'rp-wsb01-new',
    vmId: 'wsb01',
    method: 'wsb-volume',
    hostVolumeId: 'hv02:D:',
    snapshotId: 'snap-new',
    createdAt: new Date(NOW.getTime() - 2 * HOUR),
  }),
  point({
    id: 'rp-wsb02-new',
    vmId: 'wsb02',
    method: 'wsb-volume',
    hostVolumeId: 'hv02:D:',
    snapshotId: 'snap-new',
    createdAt: new Date(NOW.getTime() - 2 * HOUR),
  }),
];

function plan(
  target: RestorePointSummary,
  request: Omit<RestorePlanRequest, 'restorePointId'>,
  options: { points?: RestorePointSummary[]; index?: InventoryIndex } = {},
): RestorePlan {
  return planRestore(
    options.index ?? makeOperationsIndex(),
    target,
    { restorePointId: target.id, ...request },
    { now: NOW, pointsOnSameScope: options.points ?? [target], newId: makeIdSequence('staging') },
  );
}
const ruleIds = (p: RestorePlan) => p.findings.map((f) => `${f.ruleId}:${f.severity}`);
const keys = (p: RestorePlan) => p.steps.map((step) => step.key);
/** The estate with every VM powered off, for restores that replace a VM. */
const allOff = () =>
  makeOperationsIndex((inventory) => {
    for (const vm of inventory.vms) vm.powerState = 'off';
  });

describe('listRestoreModes', () => {
  const available = (method: BackupMethod, vmId: string, extra: Partial<RestorePointSummary> = {}) =>
    listRestoreModes(point({ id: 'rp', vmId, method, ...extra }), makeOperationsIndex())
      .filter((option) => option.isAvailable)
      .map((option) => option.mode);

  it.each<{ method: BackupMethod; vmId: string; extra?: Partial<RestorePointSummary>; modes: RestoreMode[] }>(
    [
      { method: 'hyperv-vss', vmId: 'web01', modes: ['in-place', 'as-new'] },
      { method: 'guest-agent', vmId: 'web01', modes: ['in-place', 'as-new'] },
      { method: 'xen-snapshot', vmId: 'xlin01', modes: ['in-place', 'as-new', 'snapshot-revert'] },
      { method: 'xen-quiesced', vmId: 'xwin01', modes: ['in-place', 'as-new', 'snapshot-revert'] },
      {
        method: 'wsb-volume',
        vmId: 'wsb01',
        extra: { hostVolumeId: 'hv02:D:' },
        modes: ['as-new', 'volume-revert', 'staged'],
      },
      {
        method: 'array-snapshot',
        vmId: 'app01',
        extra: { hostVolumeId: 'hv01:G:', arrayVolumeId: 'lun-shared' },
        modes: ['as-new', 'volume-revert', 'staged'],
      },
    ],
  )('$method offers $modes', ({ method, vmId, extra, modes }) => {
    expect(available(method, vmId, extra)).toEqual(modes);
  });

  it.each([
    {
      method: 'wsb-volume' as const,
      description:
        "Copies only wsb01's disks out of the whole-volume capture into a new VM; the volume and the other VMs on it are not touched.",
    },
    {
      method: 'array-snapshot' as const,
      description:
        "Copies only wsb01's disks out of the whole-volume capture into a new VM; the volume and the other VMs on it are not touched.",
    },
    {
      method: 'hyperv-vss' as const,
      description: 'Creates a new VM from the point next to wsb01; nothing existing is touched.',
    },
  ])('as-new from a $method point is described as what it does', ({ method, description }) => {
    const modes = listRestoreModes(
      point({ id: 'rp', vmId: 'wsb01', method, hostVolumeId: 'hv02:D:', arrayVolumeId: 'lun-shared' }),
      makeOperationsIndex(),
    );
    expect(modes.find((option) => option.mode === 'as-new')?.description).toBe(description);
  });

  it('gives the reason for every mode it does not offer', () => {
    const options = listRestoreModes(point({ id: 'rp', vmId: 'web01' }), makeOperationsIndex());
    expect(Object.fromEntries(options.filter((o) => !o.isAvailable).map((o) => [o.mode, o.reason]))).toEqual({
      'snapshot-revert': 'Only XenServer snapshot points can be reverted as a snapshot',
      'volume-revert':
        'Only wsb-volume and array-snapshot points hold a whole volume; this is a hyperv-vss point',
      staged: 'Only wsb-volume and array-snapshot points hold a whole volume; this is a hyperv-vss point',
    });
    const wsb = listRestoreModes(
      point({ id: 'rp', vmId: 'wsb01', method: 'wsb-volume', hostVolumeId: 'hv02:D:' }),
      makeOperationsIndex(),
    );
    expect(wsb.find((o) => o.mode === 'in-place')?.reason).toBe(
      'A wsb-volume point restores whole volumes only; use a staged restore to bring back just wsb01',
    );
  });

  it('a VM that no longer exists can only come back as a new VM', () => {
    const options = listRestoreModes(
      point({ id: 'rp', vmId: 'gone01', method: 'xen-snapshot' }),
      makeOperationsIndex(),
    );
    expect(options.filter((o) => o.isAvailable).map((o) => o.mode)).toEqual(['as-new']);
    expect(options.find((o) => o.mode === 'in-place')?.reason).toBe(
      'VM gone01 no longer exists; restore it as a new VM',
    );
  });

  it('a volume revert needs the volume to still exist', () => {
    const index = makeOperationsIndex((inventory) => {
      inventory.hostVolumes = inventory.hostVolumes.filter((v) => v.id !== 'hv02:D:');
    });
    const options = listRestoreModes(
      point({ id: 'rp', vmId: 'wsb01', method: 'wsb-volume', hostVolumeId: 'hv02:D:' }),
      index,
    );
    expect(options.find((o) => o.mode === 'volume-revert')?.reason).toBe(
      'The host volume "hv02:D:" no longer exists',
    );
  });
});

describe('planRestore — VM-level modes', () => {
  it('in-place: verify the point, check power, restore, verify; confirmation is the VM name', () => {
    const result = plan(point({ id: 'rp-off01', vmId: 'off01' }), {
      mode: 'in-place',
      confirmation: 'off01',
    });
    expect(result.isRunnable, result.blockedReasons.join('\n')).toBe(true);
    expect(keys(result)).toEqual(['verify-point', 'power-off-check', 'restore-disks', 'verify-restored']);
    expect(readStepParams(result.steps[2], 'restore-disks')).toEqual({
      restorePointId: 'rp-off01',
      target: 'in-place',
      newVmName: null,
    });
    expect(result.confirmationText).toBe('off01');
    // The impact says what the restored VM itself loses, not only what its neighbours lose.
    expect(result.findings.map((f) => f.message)).toEqual([
      'off01 loses every change made since the point: 10 h of its work (since 2026-03-28T02:00:00.000Z)',
    ]);
    expect(result.collateral).toEqual([]);
    expect(result.lockKeys).toEqual(['vm:off01', 'point:rp-off01']);
    expect(result.hostIds).toEqual(['hv01']);
  });

  it('in-place on a running VM is blocked by RESTORE-VM-RUNNING', () => {
    const result = plan(point({ id: 'rp', vmId: 'web01' }), { mode: 'in-place', confirmation: 'web01' });
    expect(result.isRunnable).toBe(false);
    expect(ruleIds(result)).toEqual(['RESTORE-VM-RUNNING:blocker', 'RESTORE-TARGET-LOSES-CHANGES:warning']);
    expect(result.blockedReasons[0]).toMatch(
      /VM web01 is running; an in-place restore would overwrite a live VM/,
    );
  });

  it('as-new touches nothing: no confirmation, no power check', () => {
    const result = plan(point({ id: 'rp', vmId: 'web01' }), { mode: 'as-new', newVmName: 'web01-restored' });
    expect(result.isRunnable).toBe(true);
    expect(result.confirmationText).toBeNull();
    expect(keys(result)).toEqual(['verify-point', 'restore-disks', 'verify-restored']);
    expect(result.steps[1].params).toMatchObject({
      restorePointId: 'rp',
      target: 'as-new',
      newVmName: 'web01-restored',
    });
  });

  it.each([
    { name: 'no name', newVmName: undefined, reason: 'Name the new VM' },
    {
      name: 'a name already taken',
      newVmName: 'WEB01',
      reason: 'A VM named "web01" already exists; choose another name for the restored VM',
    },
  ])('as-new with $name is blocked', ({ newVmName, reason }) => {
    const result = plan(point({ id: 'rp', vmId: 'web01' }), { mode: 'as-new', newVmName });
    expect(result.isRunnable).toBe(false);
    expect(result.blockedReasons).toContain(reason);
  });

  it('snapshot revert of a Xen VM discards that VM’s newer snapshots, oldest first', () => {
    const target = point({
      id: 'rp-1',
      vmId: 'xlin01',
      method: 'xen-snapshot',
      consistency: 'crash',
      createdAt: new Date(NOW.getTime() - 30 * HOUR),
    });
    const newer = [
      point({
        id: 'rp-3',
        vmId: 'xlin01',
        method: 'xen-snapshot',
        createdAt: new Date(NOW.getTime() - 5 * HOUR),
      }),
      point({
        id: 'rp-2',
        vmId: 'xlin01',
        method: 'xen-snapshot',
        createdAt: new Date(NOW.getTime() - 20 * HOUR),
      }),
      point({
        id: 'rp-agent',
        vmId: 'xlin01',
        method: 'guest-agent',
        createdAt: new Date(NOW.getTime() - 4 * HOUR),
      }),
    ];
    const result = plan(
      target,
      { mode: 'snapshot-revert', confirmation: 'xlin01' },
      { points: [target, ...newer], index: allOff() },
    );
    expect(result.isRunnable, result.blockedReasons.join('\n')).toBe(true);
    expect(result.discardedPointIds).toEqual(['rp-2', 'rp-3']);
    expect(ruleIds(result)).toEqual([
      'RESTORE-CRASH-CONSISTENT:warning',
      'RESTORE-TARGET-LOSES-CHANGES:warning',
      'RESTORE-NEWER-POINTS:warning',
    ]);
    expect(keys(result)).toEqual([
      'verify-point',
      'power-off-check',
      'restore-disks',
      'verify-restored',
      'discard-newer-points',
    ]);
  });

  it('a crash-consistent point says why it is crash-consistent', () => {
    const result = plan(
      point({
        id: 'rp',
        vmId: 'web01',
        consistency: 'crash',
        consistencyReason: 'fallback: guest freeze timed out after 60 s',
      }),
      { mode: 'as-new', newVmName: 'web01-copy' },
    );
    expect(result.findings[0].message).toMatch(
      /crash-consistent \(fallback: guest freeze timed out after 60 s\)/,
    );
  });

  it.each([
    [
      'as a new VM, the new VM has no such disk',
      { mode: 'as-new', newVmName: 'file01-copy' } as const,
      /the restored VM gets no such disk/,
    ],
    [
      'in place, the disk is not brought back and keeps its current contents',
      { mode: 'in-place', confirmation: 'file01' } as const,
      /restoring in place does not bring that disk back: it keeps its current contents, newer than the restored disks/,
    ],
  ])('a partial point (no pass-through disk) restored %s', (_, request, consequence) => {
    const result = plan(
      point({ id: 'rp', vmId: 'file01', heldDiskIds: ['file01-os'], missingDiskIds: ['file01-pt'] }),
      request,
    );
    const finding = result.findings.find((f) => f.ruleId === 'RESTORE-POINT-PARTIAL');
    expect(finding?.severity).toBe('warning');
    expect(finding?.message).toMatch(/^The point is partial: it holds 1 of 2 disks of file01 and not /);
    expect(finding?.message).toMatch(consequence);
  });

  it('a mode the point does not offer is a blocker with the reason', () => {
    const result = plan(point({ id: 'rp', vmId: 'web01' }), { mode: 'volume-revert', confirmation: 'D:' });
    expect(result.isRunnable).toBe(false);
    expect(result.blockedReasons[0]).toBe(
      'volume-revert is not available for this point: Only wsb-volume and array-snapshot points hold a whole volume; this is a hyperv-vss point',
    );
  });
});

describe('planRestore — volume revert blast radius', () => {
  const target = wsbPoints[0]; // wsb01, 10 h ago
  /** Both VMs on hv02 D: run: the revert stops them, and each is acknowledged by the operator. */
  const acknowledgedBoth = { acknowledgedStoppedVmIds: ['wsb01', 'wsb02'] };

  it('lists every other VM on the volume with the data it loses, and the newer points discarded', () => {
    const result = plan(
      target,
      { mode: 'volume-revert', confirmation: 'hv02 D:', ...acknowledgedBoth },
      { points: wsbPoints },
    );
    expect(result.isRunnable, result.blockedReasons.join('\n')).toBe(true);
    expect(result.collateral).toEqual([{ vmId: 'wsb02', vmName: 'wsb02', dataLossMs: 10 * HOUR }]);
    expect(result.stoppedVms).toEqual([
      { vmId: 'wsb01', vmName: 'wsb01' },
      { vmId: 'wsb02', vmName: 'wsb02' },
    ]);
    expect(result.discardedPointIds).toEqual(['rp-wsb01-new', 'rp-wsb02-new']);
    expect(ruleIds(result)).toEqual([
      'RESTORE-TARGET-LOSES-CHANGES:warning',
      'RESTORE-VOLUME-COLLATERAL:warning',
      'RESTORE-VM-RUNNING:warning',
      'RESTORE-NEWER-POINTS:warning',
    ]);
    expect(result.findings[1].message).toBe(
      'Reverting D: on hv02 also rolls back VM wsb02: each loses 10 h of changes (since 2026-03-28T02:00:00.000Z)',
    );
    expect(keys(result)).toEqual([
      'verify-point',
      'revert-volume',
      'verify-restored',
      'discard-newer-points',
    ]);
    expect(readStepParams(result.steps[0], 'verify-point').restorePointIds).toEqual([
      'rp-wsb01-old',
      'rp-wsb02-old',
    ]);
    expect(readStepParams(result.steps[1], 'revert-volume')).toEqual({
      volume: { kind: 'host-volume', id: 'hv02:D:' },
      restorePointIds: ['rp-wsb01-old', 'rp-wsb02-old'],
      vmIds: ['wsb01', 'wsb02'],
      // The runner stops only these; any other VM found running stops the revert (stale inventory).
      stoppableVmIds: ['wsb01', 'wsb02'],
    });
    // The revert locks every VM on the volume and the volume itself, the points it restores from
    // and the newer ones it discards (no delete or verify of them runs beside it).
    expect(result.lockKeys).toEqual([
      'vm:wsb01',
      'vm:wsb02',
      'host-volume:hv02:D:',
      'point:rp-wsb01-new',
      'point:rp-wsb01-old',
      'point:rp-wsb02-new',
      'point:rp-wsb02-old',
    ]);
    // "D:" alone names a volume on every Hyper-V host; the host makes it one volume.
    expect(result.confirmationText).toBe('hv02 D:');
  });

  it.each([
    {
      name: 'no running VM acknowledged',
      acknowledged: undefined,
      reason: 'Acknowledge that the revert stops wsb01 and wsb02 (they are running and will be left off)',
    },
    {
      name: 'one of two acknowledged',
      acknowledged: ['wsb01'],
      reason: 'Acknowledge that the revert stops wsb02 (it is running and will be left off)',
    },
    {
      name: 'an acknowledgement of a VM not on the volume',
      acknowledged: ['wsb01', 'web01'],
      reason: 'Acknowledge that the revert stops wsb02 (it is running and will be left off)',
    },
  ])('will not stop running VMs with $name', ({ acknowledged, reason }) => {
    const result = plan(
      target,
      { mode: 'volume-revert', confirmation: 'hv02 D:', acknowledgedStoppedVmIds: acknowledged },
      { points: wsbPoints },
    );
    expect(result.isRunnable).toBe(false);
    expect(result.blockedReasons).toEqual([reason]);
  });

  it('needs no acknowledgement when every VM on the volume is already off', () => {
    const result = plan(
      target,
      { mode: 'volume-revert', confirmation: 'hv02 D:' },
      { points: wsbPoints, index: allOff() },
    );
    expect(result.isRunnable, result.blockedReasons.join('\n')).toBe(true);
    expect(result.stoppedVms).toEqual([]);
  });

  it.each([
    {
      name: 'missing',
      confirmation: undefined,
      reason: 'Type the volume name "hv02 D:" to confirm this volume-revert restore',
    },
    {
      name: 'blank',
      confirmation: '   ',
      reason: 'Type the volume name "hv02 D:" to confirm this volume-revert restore',
    },
    {
      name: 'the bare volume letter, which every host has',
      confirmation: 'D:',
      reason: 'The confirmation "D:" does not match the volume name "hv02 D:"',
    },
    {
      name: 'wrong case',
      confirmation: 'HV02 D:',
      reason: 'The confirmation "HV02 D:" does not match the volume name "hv02 D:"',
    },
  ])('will not run with a $name confirmation', ({ confirmation, reason }) => {
    const result = plan(
      target,
      { mode: 'volume-revert', confirmation, ...acknowledgedBoth },
      { points: wsbPoints },
    );
    expect(result.isRunnable).toBe(false);
    expect(result.blockedReasons).toEqual([reason]);
  });

  it('blocks when a VM on the volume has no data in the capture (reverting would destroy it)', () => {
    const result = plan(
      target,
      { mode: 'volume-revert', confirmation: 'hv02 D:', ...acknowledgedBoth },
      { points: [target] },
    );
    expect(result.isRunnable).toBe(false);
    expect(result.blockedReasons[0]).toMatch(
      /^wsb02 has no data in this capture of D: on hv02.*Use a staged restore\.$/,
    );
  });

  const sqlPoint = point({
    id: 'rp-sql',
    vmId: 'sql01',
    method: 'array-snapshot',
    hostVolumeId: 'hv01:E:',
    arrayVolumeId: 'lun-sql',
    heldDiskIds: ['sql01-data', 'sql01-logs'],
  });
  /** sql01's data on lun-sql and logs on lun-logs: in one consistency group, or (here) not. */
  const lunsInNoGroup = () =>
    makeOperationsIndex((inventory) => {
      for (const vm of inventory.vms) vm.powerState = 'off';
      for (const lun of inventory.arrayVolumes) lun.consistencyGroupId = null;
    });

  it('reverts the whole consistency group of a VM whose disks span its LUNs (snapshotted together)', () => {
    const result = plan(
      sqlPoint,
      { mode: 'volume-revert', confirmation: 'netapp-01 lun-sql + lun-logs' },
      { index: allOff() },
    );
    expect(result.isRunnable, result.blockedReasons.join('\n')).toBe(true);
    expect(result.confirmationText).toBe('netapp-01 lun-sql + lun-logs');
    expect(readStepParams(result.steps[1], 'revert-volume')).toEqual({
      volume: { kind: 'array-volume', id: 'lun-sql' },
      restorePointIds: ['rp-sql'],
      vmIds: ['sql01'],
      stoppableVmIds: [],
      groupVolumeIds: ['lun-logs'],
    });
    expect(result.steps[1].title).toBe('Revert consistency group cg-sql (lun-sql and lun-logs) (1 VM)');
    expect(result.lockKeys).toEqual([
      'vm:sql01',
      'host-volume:hv01:E:',
      'host-volume:hv01:F:',
      'array-volume:lun-logs',
      'array-volume:lun-sql',
      'point:rp-sql',
    ]);
  });

  it('stages the whole consistency group, so the VM copied out has every disk', () => {
    const result = plan(sqlPoint, { mode: 'staged', newVmName: 'sql01-copy' }, { index: allOff() });
    expect(result.isRunnable, result.blockedReasons.join('\n')).toBe(true);
    const stage = result.steps.find((step) => step.key === 'stage-volume');
    if (!stage) throw new Error('no stage-volume step');
    expect(readStepParams(stage, 'stage-volume').groupVolumeIds).toEqual(['lun-logs']);
  });

  it('refuses to revert one LUN of a VM whose disks span two LUNs in no common group (data and logs would disagree)', () => {
    const result = plan(
      sqlPoint,
      { mode: 'volume-revert', confirmation: 'netapp-01 lun-sql' },
      { index: lunsInNoGroup() },
    );
    expect(result.isRunnable).toBe(false);
    expect(result.blockedReasons).toEqual([
      'sql01 also has disks outside lun-sql: reverting only lun-sql would leave it inconsistent. Use a staged restore or restore as a new VM.',
    ]);
  });

  it('array LUN revert: collateral VMs, LUN and host volume locks, confirmation names the array and the LUN', () => {
    const capture = [
      point({
        id: 'rp-app01',
        vmId: 'app01',
        method: 'array-snapshot',
        hostVolumeId: 'hv01:G:',
        arrayVolumeId: 'lun-shared',
        snapshotId: 'snap-a',
      }),
      point({
        id: 'rp-app02',
        vmId: 'app02',
        method: 'array-snapshot',
        hostVolumeId: 'hv01:G:',
        arrayVolumeId: 'lun-shared',
        snapshotId: 'snap-a',
      }),
    ];
    const result = plan(
      capture[0],
      { mode: 'volume-revert', confirmation: 'netapp-01 lun-shared' },
      { points: capture, index: allOff() },
    );
    expect(result.isRunnable, result.blockedReasons.join('\n')).toBe(true);
    expect(result.collateral.map((c) => c.vmName)).toEqual(['app02']);
    expect(result.lockKeys).toEqual([
      'vm:app01',
      'vm:app02',
      'host-volume:hv01:G:',
      'array-volume:lun-shared',
      'point:rp-app01',
      'point:rp-app02',
    ]);
    expect(result.arrayIds).toEqual(['netapp-01']);
    expect(result.confirmationText).toBe('netapp-01 lun-shared');
  });
});

describe('planRestore — staged restore (the safe alternative)', () => {
  const target = wsbPoints[0];

  it('as a new VM: stage the volume, copy out one VM, discard the scratch area; no collateral, no confirmation', () => {
    const result = plan(target, { mode: 'staged', newVmName: 'wsb01-restored' }, { points: wsbPoints });
    expect(result.isRunnable, result.blockedReasons.join('\n')).toBe(true);
    expect(keys(result)).toEqual([
      'verify-point',
      'stage-volume',
      'copy-out-vm',
      'discard-staging',
      'verify-restored',
    ]);
    expect(result.collateral).toEqual([]);
    expect(result.discardedPointIds).toEqual([]);
    expect(result.findings).toEqual([]);
    expect(result.confirmationText).toBeNull();
    const stage = readStepParams(result.steps[1], 'stage-volume');
    expect(result.steps[2].params).toEqual({
      stagingId: stage.stagingId,
      restorePointId: 'rp-wsb01-old',
      target: 'as-new',
      newVmName: 'wsb01-restored',
    });
    expect(result.steps[3]).toMatchObject({ undoes: 'stage-volume', params: { stagingId: stage.stagingId } });
    // Only the restored VM is locked (and the points the staging reads): the live volume and its
    // other VMs are not touched.
    expect(result.lockKeys).toEqual(['vm:wsb01', 'point:rp-wsb01-old', 'point:rp-wsb02-old']);
  });

  it('back in place: needs the VM off and its name typed', () => {
    const running = plan(target, { mode: 'staged', confirmation: 'wsb01' }, { points: wsbPoints });
    expect(running.isRunnable).toBe(false);
    expect(ruleIds(running)).toEqual(['RESTORE-VM-RUNNING:blocker', 'RESTORE-TARGET-LOSES-CHANGES:warning']);

    const stopped = plan(
      target,
      { mode: 'staged', confirmation: 'wsb01' },
      { points: wsbPoints, index: allOff() },
    );
    expect(stopped.isRunnable, stopped.blockedReasons.join('\n')).toBe(true);
    expect(keys(stopped)).toEqual([
      'verify-point',
      'power-off-check',
      'stage-volume',
      'copy-out-vm',
      'discard-staging',
      'verify-restored',
    ]);
    expect(stopped.confirmationText).toBe('wsb01');
  });
});

describe('volumeRevertsNeedingPoint (what deleting a point breaks)', () => {
  const otherVolume = point({
    id: 'rp-other-volume',
    vmId: 'wsb02',
    method: 'wsb-volume',
    hostVolumeId: 'hv02:E:',
    snapshotId: 'snap-old',
  });
  it.each([
    {
      name: 'a WSB point breaks the revert of every other VM captured in the same volume snapshot',
      deleted: wsbPoints[0],
      expected: ['rp-wsb02-old'],
    },
    {
      name: 'points of another capture of the volume (another snapshot) keep their revert',
      deleted: wsbPoints[2],
      expected: ['rp-wsb02-new'],
    },
    {
      name: 'a VM-level point breaks nothing',
      deleted: point({ id: 'rp-web01', vmId: 'web01' }),
      expected: [],
    },
  ])('$name', ({ deleted, expected }) => {
    const broken = volumeRevertsNeedingPoint(deleted, [...wsbPoints, otherVolume]);
    expect(broken.map((other) => other.id)).toEqual(expected);
  });
});

describe('isConfirmationValid / formatDuration', () => {
  it.each([
    { expected: null, text: undefined, isValid: true },
    { expected: 'D:', text: 'D:', isValid: true },
    { expected: 'D:', text: '  D: ', isValid: true },
    { expected: 'D:', text: 'd:', isValid: false },
    { expected: 'D:', text: undefined, isValid: false },
  ])('"$text" for $expected → $isValid', ({ expected, text, isValid }) => {
    expect(isConfirmationValid({ confirmationText: expected }, text)).toBe(isValid);
  });

  it.each([
    { ms: 45_000, text: '45 s' },
    { ms: 5 * 60_000, text: '5 min' },
    { ms: 2 * HOUR + 15 * 60_000, text: '2 h 15 min' },
    { ms: 76 * HOUR, text: '3 d 4 h' },
  ])('$ms ms → $text', ({ ms, text }) => {
    expect(formatDuration(ms)).toBe(text);
  });
});
