import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { labPaths, liveDiskPath, safeSegment } from './layout';

describe('safeSegment', () => {
  it.each([
    ['plain ids stay readable', 'vm-web-01', 'vm-web-01'],
    ['a colon is encoded, not folded into an underscore', 'vm:a', 'vm%3Aa'],
    ['an underscore stays itself', 'vm_a', 'vm_a'],
    ['a percent sign is encoded too, so encodings cannot collide with ids', 'vm%3Aa', 'vm%253Aa'],
    ['a slash cannot reach another folder', '../etc/passwd', '..%2Fetc%2Fpasswd'],
    ['a backslash neither', '..\\x', '..%5Cx'],
    ['a space is encoded', 'sql 01', 'sql%2001'],
    ['non-ASCII letters are encoded byte by byte', 'żuraw', '%C5%BCuraw'],
  ])('%s: %s → %s', (_behaviour, id, segment) => {
    expect(safeSegment(id)).toBe(segment);
    expect(segment).not.toContain(path.sep);
  });

  it.each(['', '.', '..'])('refuses "%s", which would name the folder itself or its parent', (id) => {
    expect(() => safeSegment(id)).toThrow(/cannot be used as a lab file name/);
  });

  it('never maps two different ids to one segment', () => {
    const ids = [
      'vm:a',
      'vm_a',
      'vm%3Aa',
      'vm%253Aa',
      'vm a',
      'vm-a',
      'vm.a',
      'VM:A',
      'vm::a',
      'vm:_a',
      'vm_:a',
    ];
    const segments = ids.map(safeSegment);
    expect(new Set(segments).size).toBe(ids.length);
  });
});

describe('lab paths', () => {
  it('gives the disks of vm:a and vm_a different files', () => {
    const disk = { id: 'd:1', kind: 'vhdx', hostVolumeId: 'hv1:D', sizeBytes: 1 } as const;
    const first = liveDiskPath({ ...disk, vmId: 'vm:a' } as Parameters<typeof liveDiskPath>[0]);
    const second = liveDiskPath({ ...disk, vmId: 'vm_a' } as Parameters<typeof liveDiskPath>[0]);
    expect(first).not.toBe(second);
  });

  it('restores "sql 01" and "sql-01" as new VMs into different folders', () => {
    expect(labPaths.restored('sql 01')).not.toBe(labPaths.restored('sql-01'));
  });
});
