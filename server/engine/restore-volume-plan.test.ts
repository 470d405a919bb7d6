/**
 * Restores of a whole volume: the volume revert's blast radius (collateral VMs, stopped VMs and
 * their acknowledgements, the host-qualified confirmation, consistency groups), the staged
 * alternative, and which volume reverts deleting a point breaks.
 */
import { describe, expect, it } from 'vitest';
import { makeOperationsIndex } from './operations-estate.fixture';
import { allOff, HOUR, keys, plan, point, ruleIds, wsbPoints } from './restore-plan.fixture';
import { volumeRevertsNeedingPoint } from './restore-points';
import { readStepParams } from './step-params';

/** The backup kept its array snapshot on the array: a revert or a FlexClone works on it. */
const KEPT = { kind: 'array-snapshot', snapshotId: 'snap-a', name: 'migawka-snap-a' } as const;

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
      // What was confirmed: the runner refuses the revert if the volume holds more when it runs.
      hostVolumeIds: ['hv02:D:'],
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
      reason: 'Type the volume name "hv02 D:" to confirm this revert of the whole volume',
    },
    {
      name: 'blank',
      confirmation: '   ',
      reason: 'Type the volume name "hv02 D:" to confirm this revert of the whole volume',
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
    location: KEPT,
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
      hostVolumeIds: ['hv01:E:', 'hv01:F:'],
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
        location: KEPT,
        hostVolumeId: 'hv01:G:',
        arrayVolumeId: 'lun-shared',
        snapshotId: 'snap-a',
      }),
      point({
        id: 'rp-app02',
        vmId: 'app02',
        method: 'array-snapshot',
        location: KEPT,
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
