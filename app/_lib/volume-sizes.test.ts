import { describe, expect, it } from 'vitest';
import { describeDiskSize, describeFreeSpace, describeFreeSpaceShare } from './volume-format';

const GIB = 1024 ** 3;

// What the volume and host pages say for a volume's free space, the VM page for a disk's size: a
// size the host did not report is said to be unread, never shown as 0 B.
describe('describeFreeSpace and describeFreeSpaceShare', () => {
  const rows: [string, number | null, number | null, string, string][] = [
    ['both read', 120 * GIB, 500 * GIB, '120 GiB of 500 GiB', '120 GiB of 500 GiB (24% free)'],
    [
      'an empty volume is 0 B free, which was read',
      0,
      500 * GIB,
      '0 B of 500 GiB',
      '0 B of 500 GiB (0% free)',
    ],
    [
      'free space not read',
      null,
      500 * GIB,
      'free space not read (500 GiB in all)',
      'free space not read (500 GiB in all)',
    ],
    ['size not read', 120 * GIB, null, '120 GiB free (size not read)', '120 GiB free (size not read)'],
    ['neither read', null, null, 'not read', 'not read'],
  ];
  it.each(rows)('%s', (_name, freeBytes, sizeBytes, short, withShare) => {
    expect(describeFreeSpace({ freeBytes, sizeBytes })).toBe(short);
    expect(describeFreeSpaceShare({ freeBytes, sizeBytes })).toBe(withShare);
  });
});

describe('describeDiskSize', () => {
  it.each([
    ['a VHD read by Get-VHD', 40 * GIB, '40.0 GiB'],
    ['a pass-through disk, or a VHD its host could not open', null, 'not read'],
  ] as const)('%s', (_name, sizeBytes, words) => {
    expect(describeDiskSize(sizeBytes)).toBe(words);
  });
});
