import { describe, expect, it } from 'vitest';
import { diskNameLookup } from './disk-names';

// What a VM's restore points list says of the disks a point holds or misses.
describe('diskNameLookup', () => {
  const disks = [
    { id: 'disk-vm-fs-01-os', name: 'fs-01-os.vhdx' },
    { id: 'disk-vm-fs-01-data', name: 'fs-01 data (physical disk)' },
  ];
  const rows: [string, typeof disks | undefined, string, string][] = [
    [
      'a disk the inventory knows reads by its name',
      disks,
      'disk-vm-fs-01-data',
      'fs-01 data (physical disk)',
    ],
    ['a disk the VM no longer has reads by its id', disks, 'disk-vm-fs-01-old', 'disk-vm-fs-01-old'],
    ['before the VM is read (or when it is gone), by id', undefined, 'disk-vm-fs-01-os', 'disk-vm-fs-01-os'],
  ];
  it.each(rows)('%s', (_name, known, diskId, words) => {
    expect(diskNameLookup(known)(diskId)).toBe(words);
  });
});
