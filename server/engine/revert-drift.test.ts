/**
 * A queued volume revert against the estate as it is when it runs: what was added to the volume
 * since it was confirmed refuses it, by name; what left only shrinks it.
 */
import { describe, expect, it } from 'vitest';
import type { HostVolume } from './inventory';
import { makeOperationsIndex } from './operations-estate.fixture';
import { type ConfirmedRevert, revertDrift, revertDriftRefusal } from './restore-stages/revert-drift';

/** lun-shared (hv01 G:) holds app01 and app02, as when the revert was planned. */
const lunShared: ConfirmedRevert = {
  volume: { kind: 'array-volume', id: 'lun-shared' },
  vmIds: ['app01', 'app02'],
  hostVolumeIds: ['hv01:G:'],
};
const hv02D: ConfirmedRevert = { volume: { kind: 'host-volume', id: 'hv02:D:' }, vmIds: ['wsb01', 'wsb02'] };

/** hv02 carved a volume H: out of lun-shared since, and put web01's disk on it. */
const withH = () =>
  makeOperationsIndex((inventory) => {
    const g = inventory.hostVolumes.find((volume) => volume.id === 'hv01:G:') as HostVolume;
    inventory.hostVolumes.push({ ...g, id: 'hv02:H:', hostId: 'hv02', name: 'H:' });
    for (const disk of inventory.virtualDisks) if (disk.vmId === 'web01') disk.hostVolumeId = 'hv02:H:';
  });

describe('revertDrift', () => {
  it.each([
    { change: 'nothing', confirmed: lunShared, index: makeOperationsIndex(), refusal: null },
    {
      change: 'two VMs moved onto the volume',
      confirmed: hv02D,
      index: makeOperationsIndex((inventory) => {
        for (const disk of inventory.virtualDisks)
          if (disk.vmId === 'web01' || disk.vmId === 'off01') disk.hostVolumeId = 'hv02:D:';
      }),
      refusal:
        "reverting D: on hv02 would also destroy VMs 'web01' and 'off01', which were not on D: on hv02 when the revert was confirmed: nothing was reverted. Plan the revert again",
    },
    {
      change: 'a host volume on the LUN, with a VM',
      confirmed: lunShared,
      index: withH(),
      refusal:
        "reverting lun-shared would also destroy VM 'web01' and host volume 'hv02 H:', which were not on lun-shared when the revert was confirmed: nothing was reverted. Plan the revert again",
    },
    {
      // A plan made before host volumes were recorded compares its VMs only.
      change: 'a host volume on the LUN, in an older plan',
      confirmed: { ...lunShared, hostVolumeIds: undefined },
      index: withH(),
      refusal:
        "reverting lun-shared would also destroy VM 'web01', which was not on lun-shared when the revert was confirmed: nothing was reverted. Plan the revert again",
    },
  ])('$change', ({ confirmed, index, refusal }) => {
    expect(revertDriftRefusal(revertDrift(index, confirmed))).toBe(refusal);
  });

  it('lets a VM that left the volume go: not refused, and not among the VMs the revert stops', () => {
    const index = makeOperationsIndex((inventory) => {
      for (const disk of inventory.virtualDisks) if (disk.vmId === 'app02') disk.hostVolumeId = 'hv01:D:';
    });
    const drift = revertDrift(index, lunShared);
    expect(revertDriftRefusal(drift)).toBeNull();
    expect(drift.remainingVmIds).toEqual(['app01']);
    expect(drift.leftVmIds).toEqual(['app02']);
  });

  it('reads the LUNs of the consistency group the revert was planned with', () => {
    const confirmed: ConfirmedRevert = {
      volume: { kind: 'array-volume', id: 'lun-sql' },
      groupVolumeIds: ['lun-logs'],
      vmIds: ['sql01'],
      hostVolumeIds: ['hv01:E:', 'hv01:F:'],
    };
    const index = makeOperationsIndex((inventory) => {
      for (const disk of inventory.virtualDisks) if (disk.vmId === 'app01') disk.hostVolumeId = 'hv01:F:';
    });
    expect(revertDrift(index, confirmed).addedVms).toEqual([{ vmId: 'app01', vmName: 'app01' }]);
  });
});
