import { describe, expect, it } from 'vitest';
import type { DiskStorageFormat } from '@/server/engine/inventory';
import { diskStorageFormatLabel } from './format';

// What the VM page's disks table says under "Stored as" for a XenServer VDI.
describe('diskStorageFormatLabel', () => {
  const rows: [string, DiskStorageFormat | null | undefined, string][] = [
    ['a VHD (LVHD, file SRs) reads as VHD', 'vhd', 'VHD'],
    ['a raw LV reads as raw', 'raw', 'raw'],
    ['a format the pool did not report is said, not assumed raw', null, 'not read'],
    ['an inventory file that does not state it is not read either', undefined, 'not read'],
  ];
  it.each(rows)('%s', (_name, format, words) => {
    expect(diskStorageFormatLabel(format)).toBe(words);
  });
});
