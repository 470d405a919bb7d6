/**
 * When two operator-chosen names are the same name (nameKeyOf), the refusal naming the one that
 * has it, and what the name-key step writes to names saved before the stores held them unique.
 */
import { describe, expect, it } from 'vitest';
import {
  type KeyedRow,
  nameKeyFixes,
  nameKeyOf,
  nameTakenError,
  numberedName,
  RENAMED_NAME_MAX,
} from './name-keys';

describe('nameKeyOf', () => {
  it.each([
    ['ASCII case', 'Pool-A', 'pool-a', true],
    ['Polish letters (beyond ASCII)', 'ŁÓDŹ', 'łódź', true],
    ['Greek, final sigma', 'ΟΔΟΣ', 'οδος', true],
    ['Cyrillic', 'СЕРВЕР', 'сервер', true],
    ['an accent composed or combining', 'Caf\u00e9', 'CAFE\u0301', true],
    ['dotted capital I (whatever the server locale)', 'İstanbul', 'i\u0307stanbul', true],
    ['ß is not folded to ss', 'Straße', 'STRASSE', false],
    ['a space is a character', 'pool a', 'pool  a', false],
    ['different letters', 'pool-a', 'pool-b', false],
  ])('%s: "%s" and "%s" same: %s', (_label, a, b, same) => {
    expect(nameKeyOf(a) === nameKeyOf(b)).toBe(same);
  });
});

describe('nameTakenError', () => {
  it.each([
    ['Pool-A', 'Pool-A', 'A pool named "Pool-A" already exists'],
    [
      'pool-a',
      'Pool-A',
      'A pool named "Pool-A" already exists; names differing only in case cannot be told apart',
    ],
  ])('"%s" refused beside "%s"', (name, existing, message) => {
    const error = nameTakenError('A pool', name, existing);
    expect(error).toMatchObject({ code: 'CONFLICT', message, fieldErrors: [{ path: 'name', message }] });
  });
});

describe('numberedName', () => {
  it.each([
    ['pool-a', 2, 'pool-a (2)'],
    ['x'.repeat(RENAMED_NAME_MAX), 2, `${'x'.repeat(RENAMED_NAME_MAX - 4)} (2)`],
    // Cut by character: an emoji (two UTF-16 units) is kept whole or dropped, never halved.
    [`${'x'.repeat(RENAMED_NAME_MAX - 5)}🙂🙂🙂`, 12, `${'x'.repeat(RENAMED_NAME_MAX - 5)} (12)`],
    [`${'x'.repeat(RENAMED_NAME_MAX - 6)}🙂 y`, 2, `${'x'.repeat(RENAMED_NAME_MAX - 6)}🙂 (2)`],
  ])('%s numbered %i', (name, n, expected) => {
    expect(numberedName(name, n)).toBe(expected);
    expect(Array.from(numberedName(name, n)).length).toBeLessThanOrEqual(RENAMED_NAME_MAX);
  });
});

const at = (minute: number) => new Date(Date.UTC(2026, 5, 1, 0, minute));
const row = (id: string, name: string, minute: number, nameKey: string | null = null): KeyedRow => ({
  id,
  name,
  nameKey,
  createdAt: at(minute),
});

describe('nameKeyFixes', () => {
  it('leaves rows whose key is right, keys the others', () => {
    expect(
      nameKeyFixes([row('a', 'Alpha', 0, 'alpha'), row('b', 'Beta', 1), row('c', 'Gamma', 2, 'stale')]),
    ).toEqual([
      { id: 'b', name: 'Beta', nameKey: 'beta', renamedFrom: null, keptBy: null },
      { id: 'c', name: 'Gamma', nameKey: 'gamma', renamedFrom: null, keptBy: null },
    ]);
  });

  it('the oldest keeps a name; later ones get the first number no name has in any case', () => {
    const fixes = nameKeyFixes([
      row('late', 'POOL', 9),
      row('first', 'Pool', 0),
      row('taken', 'pool (2)', 5, 'pool (2)'),
      row('second', 'pool', 1),
    ]);
    expect(fixes).toEqual([
      { id: 'first', name: 'Pool', nameKey: 'pool', renamedFrom: null, keptBy: null },
      { id: 'second', name: 'pool (3)', nameKey: 'pool (3)', renamedFrom: 'pool', keptBy: 'Pool' },
      { id: 'late', name: 'POOL (4)', nameKey: 'pool (4)', renamedFrom: 'POOL', keptBy: 'Pool' },
    ]);
  });

  it('saved in the same millisecond: the smaller id keeps the name', () => {
    expect(nameKeyFixes([row('b', 'ŁÓDŹ', 0), row('a', 'łódź', 0)]).map((fix) => [fix.id, fix.name])).toEqual(
      [
        ['a', 'łódź'],
        ['b', 'ŁÓDŹ (2)'],
      ],
    );
  });
});
