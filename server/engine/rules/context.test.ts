import { describe, expect, it } from 'vitest';
import { flat, listNames, listQuotedNames, quoted, sameMountPoint } from './context';

const named = (names: string[]) => names.map((name) => ({ name }));
const vmNames = (count: number) => Array.from({ length: count }, (_, i) => `vm${i}`);

describe('listQuotedNames', () => {
  it.each([
    { count: 0, expected: '' },
    { count: 1, expected: "'vm0'" },
    { count: 2, expected: "'vm0' and 'vm1'" },
    { count: 3, expected: "'vm0', 'vm1' and 'vm2'" },
    { count: 10, expected: `${quoted(vmNames(9)).join(', ')} and 'vm9'` },
    { count: 11, expected: `${quoted(vmNames(10)).join(', ')} and 1 more` },
    { count: 250, expected: `${quoted(vmNames(10)).join(', ')} and 240 more` },
  ])('$count names: $expected', ({ count, expected }) => {
    expect(listQuotedNames(named(vmNames(count)))).toBe(expected);
  });

  it('words every length as listNames(quoted(names)) does, with and without a first name', () => {
    for (let count = 1; count < 25; count++) {
      const names = vmNames(count);
      expect(listQuotedNames(named(names))).toBe(listNames(quoted(names)));
      expect(listQuotedNames(named(names.slice(1)), { name: names[0] })).toBe(listNames(quoted(names)));
    }
  });
});

describe('flat', () => {
  it('gives the same text as the template literal', () => {
    const name = 'web01';
    const size = 12.5;
    const missing = null;
    expect(flat`VM '${name}' changes ${size} GB (${missing}).`).toBe(
      `VM '${name}' changes ${size} GB (${missing}).`,
    );
    expect(flat`${name}`).toBe(name);
    expect(flat`no interpolation`).toBe('no interpolation');
  });
});

describe('sameMountPoint', () => {
  it.each([
    { a: 'D:', b: 'D:', same: true },
    { a: 'd:', b: 'D:\\', same: true },
    { a: '/var/', b: '/var', same: true },
    { a: 'C:', b: 'D:', same: false },
  ])('$a vs $b: $same', ({ a, b, same }) => {
    expect(sameMountPoint(a, b)).toBe(same);
  });
});
