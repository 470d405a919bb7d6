/**
 * A restore as a new VM says where the new VM lands and whether it is powered on, and describes it
 * (VM, disks, guest volumes) so the runner can add it to the inventory after writing its disks.
 */
import { describe, expect, it } from 'vitest';
import { makeIdSequence, makeOperationsIndex } from './operations-estate.fixture';
import { planRestore, type RestorePlanRequest } from './restore-plan';
import type { RestorePointSummary } from './restore-points';
import { readStepParams } from './step-params';

const NOW = new Date('2026-03-28T12:00:00Z');

const webPoint: RestorePointSummary = {
  id: 'rp-web01',
  vmId: 'web01',
  vmName: 'web01',
  method: 'hyperv-vss',
  consistency: 'application',
  consistencyReason: null,
  captureState: 'online',
  createdAt: new Date(NOW.getTime() - 3_600_000),
  hostVolumeId: 'hv01:D:',
  arrayVolumeId: null,
  snapshotId: 'snap-web01',
  heldDiskIds: ['web01-os'],
  missingDiskIds: [],
  sizeBytes: 1,
  jobId: null,
  expiresAt: null,
};

function planAsNew(extra: Partial<RestorePlanRequest>) {
  return planRestore(
    makeOperationsIndex(),
    webPoint,
    { restorePointId: webPoint.id, mode: 'as-new', newVmName: 'web01-restored', ...extra },
    { now: NOW, pointsOnSameScope: [webPoint], newId: makeIdSequence('new') },
  );
}

describe('planRestore — as a new VM, placed in the inventory', () => {
  it.each([
    {
      name: 'by default beside the original, left off',
      extra: {},
      volumeId: 'hv01:D:',
      hostId: 'hv01',
      power: 'off',
      title: 'Restore web01 as new VM web01-restored on hv01 D:, left off',
    },
    {
      name: 'on the volume the operator chose, powered on',
      extra: { targetHostVolumeId: 'hv02:D:', powerOnAfterRestore: true },
      volumeId: 'hv02:D:',
      hostId: 'hv02',
      power: 'running',
      title: 'Restore web01 as new VM web01-restored on hv02 D:, powered on',
    },
  ])('lands $name', ({ extra, volumeId, hostId, power, title }) => {
    const plan = planAsNew(extra);
    expect(plan.isRunnable, plan.blockedReasons.join('\n')).toBe(true);
    const step = plan.steps.find((candidate) => candidate.key === 'restore-disks');
    if (!step) throw new Error('no restore-disks step');
    expect(step.title).toBe(title);
    const { newVm } = readStepParams(step, 'restore-disks');
    expect(newVm?.vm).toMatchObject({ name: 'web01-restored', hostId, powerState: power });
    expect(newVm?.vm.id).not.toBe('web01');
    expect(newVm?.disks).toEqual([
      {
        fromDiskId: 'web01-os',
        disk: expect.objectContaining({ vmId: newVm?.vm.id, hostVolumeId: volumeId, arrayVolumeId: null }),
      },
    ]);
    expect(newVm?.guestVolumes.map((guest) => [guest.vmId, guest.diskId])).toEqual([
      [newVm?.vm.id, newVm?.disks[0]?.disk.id],
    ]);
  });

  it('a point whose disks the inventory no longer knows restores without a placement', () => {
    const plan = planRestore(
      makeOperationsIndex(),
      { ...webPoint, heldDiskIds: ['web01-old-disk'] },
      { restorePointId: webPoint.id, mode: 'as-new', newVmName: 'web01-restored' },
      { now: NOW, pointsOnSameScope: [webPoint], newId: makeIdSequence('new') },
    );
    expect(plan.isRunnable, plan.blockedReasons.join('\n')).toBe(true);
    const step = plan.steps.find((candidate) => candidate.key === 'restore-disks');
    expect(step?.title).toBe('Restore web01 as new VM web01-restored');
    expect(step && readStepParams(step, 'restore-disks').newVm).toBeUndefined();
  });

  it.each([
    {
      name: 'a volume that does not exist',
      extra: { targetHostVolumeId: 'hv09:Z:' },
      reason: 'The volume chosen for the new VM no longer exists; choose another',
    },
    {
      name: 'a volume of another kind of hypervisor',
      extra: { targetHostVolumeId: 'xs01:sr1' },
      reason: 'sr1 on xs01 is a XenServer volume; web01 is a Hyper-V VM: choose a volume of a Hyper-V host',
    },
  ])('refuses $name', ({ extra, reason }) => {
    const plan = planAsNew(extra);
    expect(plan.isRunnable).toBe(false);
    expect(plan.blockedReasons).toEqual([reason]);
  });
});
