import { describe, expect, it } from 'vitest';
import { isoWeekKey, pointsPrunedByChange, selectPointsToPrune, selectVmPointsToPrune } from './retention';

/** Points named by their UTC time, e.g. "2026-03-28T01:00". */
const points = (...times: string[]) =>
  times.map((time) => ({ id: time, createdAt: new Date(`${time}:00Z`) }));
const policy = (
  overrides: Partial<{ keepLast: number; daily: number; weekly: number; monthly: number }>,
) => ({
  keepLast: 0,
  daily: 0,
  weekly: 0,
  monthly: 0,
  ...overrides,
});

describe('selectPointsToPrune', () => {
  it.each([
    {
      name: 'keep last 2 of 4',
      points: points('2026-03-01T01:00', '2026-03-02T01:00', '2026-03-03T01:00', '2026-03-04T01:00'),
      policy: policy({ keepLast: 2 }),
      kept: ['2026-03-04T01:00', '2026-03-03T01:00'],
    },
    {
      name: 'daily keeps the newest point of each of the last 2 days that have points',
      points: points(
        '2026-03-01T01:00',
        '2026-03-01T13:00',
        '2026-03-03T01:00',
        '2026-03-03T13:00',
        '2026-03-03T20:00',
      ),
      policy: policy({ daily: 2 }),
      kept: ['2026-03-03T20:00', '2026-03-01T13:00'],
    },
    {
      name: 'days are local: 23:30 UTC is already the next day in Warsaw',
      points: points('2026-03-01T22:00', '2026-03-01T23:30'),
      policy: policy({ daily: 2 }),
      kept: ['2026-03-01T23:30', '2026-03-01T22:00'],
    },
    {
      name: 'weekly uses ISO weeks (Monday start): Sunday and the next Monday are different weeks',
      points: points('2026-03-07T10:00', '2026-03-08T10:00', '2026-03-09T10:00', '2026-03-10T10:00'),
      policy: policy({ weekly: 2 }),
      kept: ['2026-03-10T10:00', '2026-03-08T10:00'],
    },
    {
      name: 'monthly keeps the newest point of each of the last 3 months with points',
      points: points(
        '2026-01-05T01:00',
        '2026-01-31T01:00',
        '2026-02-15T01:00',
        '2026-03-01T01:00',
        '2026-03-20T01:00',
      ),
      policy: policy({ monthly: 3 }),
      kept: ['2026-03-20T01:00', '2026-02-15T01:00', '2026-01-31T01:00'],
    },
    {
      name: 'GFS combined: last 1, 2 daily, 2 weekly, 2 monthly',
      points: points(
        '2026-01-20T01:00',
        '2026-02-10T01:00',
        '2026-02-27T01:00',
        '2026-03-02T01:00',
        '2026-03-03T01:00',
        '2026-03-04T01:00',
        '2026-03-04T13:00',
      ),
      policy: policy({ keepLast: 1, daily: 2, weekly: 2, monthly: 2 }),
      kept: ['2026-03-04T13:00', '2026-03-03T01:00', '2026-02-27T01:00'],
    },
    {
      name: 'an all-zero policy still keeps the newest point',
      points: points('2026-03-01T01:00', '2026-03-02T01:00'),
      policy: policy({}),
      kept: ['2026-03-02T01:00'],
    },
    { name: 'no points, nothing to do', points: [], policy: policy({ keepLast: 3 }), kept: [] },
  ])('$name', ({ points: input, policy: rules, kept }) => {
    const selection = selectPointsToPrune(input, rules, 'Europe/Warsaw');
    expect([...selection.keep.keys()].sort()).toEqual([...kept].sort());
    expect([...selection.prune].sort()).toEqual(
      input
        .map((point) => point.id)
        .filter((id) => !kept.includes(id))
        .sort(),
    );
  });

  /** Points named by their UTC time; a trailing "!" marks one that is not good (partial, corrupt, gone). */
  const marked = (...times: string[]) =>
    times.map((time) => {
      const id = time.replace('!', '');
      return { id, createdAt: new Date(`${id}:00Z`), isGood: !time.endsWith('!') };
    });
  it.each([
    {
      name: 'keep last 2: a corrupt point takes no good point’s place',
      points: marked('2026-03-01T01:00', '2026-03-02T01:00!', '2026-03-03T01:00'),
      policy: policy({ keepLast: 2 }),
      kept: ['2026-03-03T01:00', '2026-03-02T01:00!', '2026-03-01T01:00'],
    },
    {
      name: 'keep last 1 after three partial runs: the only complete point stays',
      points: marked('2026-03-01T01:00', '2026-03-02T01:00!', '2026-03-03T01:00!', '2026-03-04T01:00!'),
      policy: policy({ keepLast: 1 }),
      kept: ['2026-03-04T01:00!', '2026-03-01T01:00'],
    },
    {
      name: 'an all-zero policy keeps the newest point and the newest good one',
      points: marked('2026-03-01T01:00', '2026-03-02T01:00', '2026-03-03T01:00!'),
      policy: policy({}),
      kept: ['2026-03-03T01:00!', '2026-03-02T01:00'],
    },
    {
      name: 'daily 2: a day whose only point is corrupt does not count as a kept day',
      points: marked('2026-03-01T01:00', '2026-03-02T01:00', '2026-03-03T01:00!'),
      policy: policy({ daily: 2 }),
      kept: ['2026-03-03T01:00!', '2026-03-02T01:00', '2026-03-01T01:00'],
    },
    {
      name: 'no good point at all: the rules keep what they keep, as before',
      points: marked('2026-03-01T01:00!', '2026-03-02T01:00!', '2026-03-03T01:00!'),
      policy: policy({ keepLast: 2 }),
      kept: ['2026-03-03T01:00!', '2026-03-02T01:00!'],
    },
  ])('$name', ({ points: input, policy: rules, kept: keptNames }) => {
    const kept = keptNames.map((name) => name.replace('!', ''));
    const selection = selectPointsToPrune(input, rules, 'UTC');
    expect([...selection.keep.keys()].sort()).toEqual([...kept].sort());
    expect(selection.prune).toEqual(
      input
        .map((point) => point.id)
        .filter((id) => !kept.includes(id))
        .reverse(),
    );
  });

  it('says why a point the good points alone keep is kept', () => {
    const { keep } = selectPointsToPrune(
      marked('2026-03-01T01:00', '2026-03-02T01:00!', '2026-03-03T01:00!'),
      policy({ keepLast: 2 }),
      'UTC',
    );
    expect(keep.get('2026-03-01T01:00')).toEqual(['last 2 good (complete, not failed verification)']);
    expect(keep.get('2026-03-03T01:00')).toEqual(['last 2']);
  });

  it('says why each point is kept', () => {
    const { keep } = selectPointsToPrune(
      points('2026-02-27T01:00', '2026-03-04T01:00', '2026-03-04T13:00'),
      policy({ keepLast: 1, daily: 2, weekly: 2, monthly: 2 }),
      'Europe/Warsaw',
    );
    expect(keep.get('2026-03-04T13:00')).toEqual([
      'last 1',
      'daily 2026-03-04',
      'weekly 2026-W10',
      'monthly 2026-03',
    ]);
    expect(keep.get('2026-02-27T01:00')).toEqual(['daily 2026-02-27', 'weekly 2026-W09', 'monthly 2026-02']);
    expect(keep.has('2026-03-04T01:00')).toBe(false);
  });

  it('prunes newest first and does not depend on input order', () => {
    const input = points('2026-03-02T01:00', '2026-03-04T01:00', '2026-03-01T01:00', '2026-03-03T01:00');
    expect(selectPointsToPrune(input, policy({ keepLast: 1 }), 'UTC').prune).toEqual([
      '2026-03-03T01:00',
      '2026-03-02T01:00',
      '2026-03-01T01:00',
    ]);
  });

  it('rejects negative or fractional counts, naming the field', () => {
    expect(() => selectPointsToPrune([], policy({ daily: -1 }), 'UTC')).toThrow(/"daily"/);
    expect(() => selectPointsToPrune([], policy({ keepLast: 1.5 }), 'UTC')).toThrow(/"keepLast"/);
  });
});

describe('isoWeekKey', () => {
  it.each([
    { date: [2026, 1, 1], week: '2026-W01' }, // Thursday
    { date: [2027, 1, 1], week: '2026-W53' }, // Friday belongs to the last week of 2026
    { date: [2024, 12, 30], week: '2025-W01' }, // Monday of the week holding 2 Jan 2025
    { date: [2026, 3, 8], week: '2026-W10' }, // Sunday
    { date: [2026, 3, 9], week: '2026-W11' }, // Monday
  ])('$date → $week', ({ date: [y, m, d], week }) => {
    expect(isoWeekKey(y, m, d)).toBe(week);
  });
});

// What a change of a job's retention deletes at its next run: what a second admin approves.
describe('pointsPrunedByChange', () => {
  const inRepository = (...times: string[]) =>
    points(...times).map((point) => ({ ...point, locationKind: 'repository' as const }));
  const FOUR_DAYS = inRepository(
    '2026-03-01T01:00',
    '2026-03-02T01:00',
    '2026-03-03T01:00',
    '2026-03-04T01:00',
  );
  const utc = (overrides: Parameters<typeof policy>[0]) => ({ policy: policy(overrides), timeZone: 'UTC' });
  it.each([
    {
      name: 'keeping fewer of the last deletes the older ones',
      current: utc({ keepLast: 4 }),
      next: utc({ keepLast: 2 }),
      lost: ['2026-03-02T01:00', '2026-03-01T01:00'],
    },
    {
      name: 'keeping more deletes nothing',
      current: utc({ keepLast: 2 }),
      next: utc({ keepLast: 4 }),
      lost: [],
    },
    {
      name: 'what the current setting prunes anyway is not the change’s loss',
      current: utc({ keepLast: 3 }),
      next: utc({ keepLast: 2 }),
      lost: ['2026-03-02T01:00'],
    },
    {
      name: 'a lower count of one rule that another rule still covers deletes nothing',
      current: utc({ keepLast: 4, daily: 4 }),
      next: utc({ keepLast: 1, daily: 4 }),
      lost: [],
    },
    {
      name: 'keeping nothing still keeps the newest point',
      current: utc({ keepLast: 4 }),
      next: utc({}),
      lost: ['2026-03-03T01:00', '2026-03-02T01:00', '2026-03-01T01:00'],
    },
    {
      name: 'another time zone where each point falls on the same day deletes nothing',
      current: utc({ daily: 2 }),
      next: { policy: policy({ daily: 2 }), timeZone: 'Pacific/Kiritimati' },
      lost: [],
    },
  ])('$name', ({ current, next, lost }) => {
    expect(pointsPrunedByChange(FOUR_DAYS, current, next)).toEqual(lost);
  });

  it('counts the repository and the pool apart, as the run prunes them', () => {
    const both = [
      ...inRepository('2026-03-03T01:00', '2026-03-04T01:00'),
      { id: 'pool', createdAt: new Date('2026-03-01T01:00:00Z'), locationKind: 'pool-snapshot' as const },
    ];
    // The pool's one checkpoint is its own newest: kept, whatever the repository keeps.
    expect(selectVmPointsToPrune(both, policy({ keepLast: 1 }), 'UTC')).toEqual(['2026-03-03T01:00']);
    expect(pointsPrunedByChange(both, utc({ keepLast: 2 }), utc({ keepLast: 1 }))).toEqual([
      '2026-03-03T01:00',
    ]);
  });
});
