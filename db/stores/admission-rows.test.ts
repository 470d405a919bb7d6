import { describe, expect, it } from 'vitest';
import { type LockedObjects, lockNamesOf } from './admission-rows';

const T0 = new Date('2026-03-02T01:00:00Z');
const nothing: LockedObjects = { vms: [], hostVolumes: [], arrayVolumes: [], points: [], keptPoints: [] };
const kept = (vmName: string, arrayVolumeName: string | null, createdAt = T0) => ({
  snapshotId: 'snap-1',
  vmName,
  createdAt,
  arrayVolumeName,
});

describe('lockNamesOf: a snapshot kept on an array, by what its points share', () => {
  it.each([
    {
      name: 'one point',
      points: [kept('web-01', 'web_lun')],
      words: 'the array snapshot of web-01 on array volume web_lun taken 2026-03-02 01:00 UTC',
    },
    {
      name: 'points of a capture across two LUNs (a consistency group), the earliest time',
      points: [kept('web-01', 'web_lun'), kept('sql-01', 'sql_lun', new Date(T0.getTime() + 90_000))],
      words:
        'the array snapshot of sql-01 and web-01 on array volumes sql_lun and web_lun taken 2026-03-02 01:00 UTC',
    },
    {
      name: 'more VMs than a line names',
      points: ['e', 'd', 'c', 'b', 'a'].map((vm) => kept(`${vm}-01`, 'lun1')),
      words:
        'the array snapshot of a-01, b-01, c-01 and 2 more on array volume lun1 taken 2026-03-02 01:00 UTC',
    },
    {
      name: 'a LUN that left the inventory',
      points: [kept('web-01', null)],
      words: 'the array snapshot of web-01 taken 2026-03-02 01:00 UTC',
    },
  ])('$name', ({ points, words }) => {
    expect(lockNamesOf({ ...nothing, keptPoints: points })).toEqual(
      new Map([['array-snapshot:snap-1', words]]),
    );
  });
});
