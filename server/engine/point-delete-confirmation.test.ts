/** The text that confirms a point's delete names that one point among its VM's others. */
import { describe, expect, it } from 'vitest';
import { pointDeleteConfirmationOf, secondOf } from './point-delete-confirmation';

const at = (iso: string) => new Date(iso);
const SQL01 = { id: 'rp-1', vmName: 'sql01', createdAt: at('2026-12-05T10:00:03.412Z') };

describe('pointDeleteConfirmationOf', () => {
  it.each([
    { situation: 'the only point of its second', sameSecond: [], expected: 'sql01 2026-12-05 10:00:03 UTC' },
    {
      situation: 'the point itself among the points of its second',
      sameSecond: [SQL01],
      expected: 'sql01 2026-12-05 10:00:03 UTC',
    },
    {
      situation: 'another point of the VM in the same second',
      sameSecond: [SQL01, { id: 'rp-2', vmName: 'sql01', createdAt: at('2026-12-05T10:00:03.020Z') }],
      expected: 'sql01 2026-12-05 10:00:03.412 UTC',
    },
    {
      situation: 'another point of the VM in the same millisecond',
      sameSecond: [SQL01, { id: 'rp-2', vmName: 'sql01', createdAt: at('2026-12-05T10:00:03.412Z') }],
      expected: 'sql01 2026-12-05 10:00:03.412 UTC rp-1',
    },
    {
      situation: 'a midnight point',
      point: { id: 'rp-0', vmName: 'web 01', createdAt: at('2026-01-01T00:00:00.000Z') },
      sameSecond: [],
      expected: 'web 01 2026-01-01 00:00:00 UTC',
    },
  ])('$situation: "$expected"', ({ point = SQL01, sameSecond, expected }) => {
    expect(pointDeleteConfirmationOf(point, sameSecond)).toBe(expected);
  });

  it('no two points of a second confirm alike', () => {
    const points = ['03.000', '03.412', '03.412', '03.999'].map((time, index) => ({
      id: `rp-${index}`,
      vmName: 'sql01',
      createdAt: at(`2026-12-05T10:00:${time}Z`),
    }));
    const texts = points.map((point) => pointDeleteConfirmationOf(point, points));
    expect(new Set(texts).size).toBe(points.length);
  });
});

describe('secondOf', () => {
  it.each([
    ['2026-12-05T10:00:03.412Z', '2026-12-05T10:00:03.000Z', '2026-12-05T10:00:03.999Z'],
    ['2026-12-05T10:00:03.000Z', '2026-12-05T10:00:03.000Z', '2026-12-05T10:00:03.999Z'],
  ])('%s lies in [%s, %s]', (time, from, to) => {
    expect(secondOf(at(time))).toEqual({ from: at(from), to: at(to) });
  });
});
