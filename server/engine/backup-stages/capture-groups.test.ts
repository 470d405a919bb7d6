import { describe, expect, it } from 'vitest';
import { closeOverVolumes } from './capture-groups';

/** A volume graph as adjacency lists: which volumes each VM has files on. */
function graph(filesOf: Record<string, string[]>) {
  const vmsOn = new Map<string, string[]>();
  for (const [vmId, volumeIds] of Object.entries(filesOf))
    for (const volumeId of volumeIds) vmsOn.set(volumeId, [...(vmsOn.get(volumeId) ?? []), vmId]);
  return {
    volumesOfVm: (vmId: string) => filesOf[vmId] ?? [],
    vmsOnVolume: (volumeId: string) => vmsOn.get(volumeId) ?? [],
  };
}

describe('closeOverVolumes — what one volume snapshot must capture', () => {
  it.each([
    { name: 'a VM alone on its volume', seed: ['a'], vmIds: ['a'], volumeIds: ['D'] },
    { name: 'the VMs sharing the volume come along', seed: ['b'], vmIds: ['b', 'c'], volumeIds: ['E'] },
    {
      name: 'a VM pulled in brings its other volumes (and their VMs) along',
      seed: ['d'],
      vmIds: ['d', 'e', 'f'],
      volumeIds: ['F', 'G'],
    },
    {
      name: 'several seeds, each closed once',
      seed: ['a', 'b', 'a'],
      vmIds: ['a', 'b', 'c'],
      volumeIds: ['D', 'E'],
    },
  ])('$name', ({ seed, vmIds, volumeIds }) => {
    const { volumesOfVm, vmsOnVolume } = graph({
      a: ['D'],
      b: ['E'],
      c: ['E'],
      d: ['F'],
      e: ['F', 'G'],
      f: ['G'],
    });
    expect(closeOverVolumes(seed, volumesOfVm, vmsOnVolume)).toEqual({ vmIds, volumeIds });
  });
});
