import { describe, expect, it } from 'vitest';
import {
  canonicalTimeZone,
  decideMissedRuns,
  describeCronError,
  describeSchedule,
  describeScheduleRpoGap,
  describeUnreachableCron,
  MAX_LISTED_MISSED_RUNS,
  nextRuns,
} from './schedule';

const iso = (dates: Date[]) => dates.map((date) => date.toISOString());
const WARSAW = 'Europe/Warsaw';

describe('nextRuns', () => {
  it.each([
    {
      name: 'daily 02:00 in Warsaw moves to 03:00 CEST on the spring-forward night (02:00 does not exist)',
      cron: '0 2 * * *',
      from: '2026-03-27T12:00:00Z',
      expected: ['2026-03-28T01:00:00.000Z', '2026-03-29T01:00:00.000Z', '2026-03-30T00:00:00.000Z'],
    },
    {
      name: 'daily 02:30 in Warsaw runs once on the fall-back night although 02:30 happens twice',
      cron: '30 2 * * *',
      from: '2026-10-24T00:00:00Z',
      expected: ['2026-10-24T00:30:00.000Z', '2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z'],
    },
    {
      name: 'every 30 minutes runs on both 02:00 and both 02:30 of the fall-back night',
      cron: '*/30 * * * *',
      from: '2026-10-24T23:45:00Z',
      expected: [
        '2026-10-25T00:00:00.000Z',
        '2026-10-25T00:30:00.000Z',
        '2026-10-25T01:00:00.000Z',
        '2026-10-25T01:30:00.000Z',
      ],
    },
    {
      name: 'every 30 minutes skips the missing spring-forward hour',
      cron: '*/30 * * * *',
      from: '2026-03-29T00:15:00Z',
      expected: ['2026-03-29T00:30:00.000Z', '2026-03-29T01:00:00.000Z', '2026-03-29T01:30:00.000Z'],
    },
    {
      name: 'weekdays only skips the weekend',
      cron: '0 22 * * 1-5',
      from: '2026-01-09T12:00:00Z', // a Friday
      expected: ['2026-01-09T21:00:00.000Z', '2026-01-12T21:00:00.000Z'],
    },
  ])('$name', ({ cron, from, expected }) => {
    expect(iso(nextRuns(cron, WARSAW, new Date(from), expected.length))).toEqual(expected);
  });

  it('is strictly after `from`', () => {
    expect(iso(nextRuns('0 2 * * *', 'UTC', new Date('2026-01-01T02:00:00Z'), 1))).toEqual([
      '2026-01-02T02:00:00.000Z',
    ]);
  });

  it('rejects a bad expression, a bad zone and a bad count with a message naming them', () => {
    expect(() => nextRuns('61 * * * *', WARSAW, new Date(), 1)).toThrow(/"61 \* \* \* \*" is not a valid/);
    expect(() => nextRuns('0 2 * * *', 'Mars/Olympus', new Date(), 1)).toThrow(
      /Unknown time zone "Mars\/Olympus"/,
    );
    expect(() => nextRuns('0 2 * * *', WARSAW, new Date(), -1)).toThrow(/count/);
  });
});

describe('describeCronError / canonicalTimeZone', () => {
  it.each([
    { cron: '0 2 * * *', isValid: true },
    { cron: '@daily', isValid: true },
    { cron: '0 0 2 * * *', isValid: false }, // 6 fields (seconds) are not a backup schedule
    { cron: '', isValid: false },
    { cron: 'every day', isValid: false },
    { cron: '0 25 * * *', isValid: false },
  ])('"$cron" valid: $isValid', ({ cron, isValid }) => {
    expect(describeCronError(cron) === null).toBe(isValid);
  });

  it('canonicalises case and rejects unknown zones', () => {
    expect(canonicalTimeZone('europe/warsaw')).toBe('Europe/Warsaw');
    expect(canonicalTimeZone('Nowhere/City')).toBeNull();
    expect(canonicalTimeZone('')).toBeNull();
  });
});

describe('describeSchedule', () => {
  const now = new Date('2026-03-27T12:00:00Z');
  it.each([
    { cron: '0 2 * * *', expected: 'At 02:00 (Europe/Warsaw)' },
    { cron: '@daily', expected: 'At 00:00 (Europe/Warsaw)' },
    { cron: '@weekly', expected: 'At 00:00, only on Sunday (Europe/Warsaw)' },
    { cron: '30 1,13 * * *', expected: 'At 01:30 and 13:30 (Europe/Warsaw)' },
    { cron: '0 22 * * 1-5', expected: 'At 22:00, Monday through Friday (Europe/Warsaw)' },
    { cron: '0 3 * * SUN', expected: 'At 03:00, only on Sunday (Europe/Warsaw)' },
    { cron: '0 3 * * 1,3,5', expected: 'At 03:00, only on Monday, Wednesday, and Friday (Europe/Warsaw)' },
    { cron: '0 4 1 * *', expected: 'At 04:00, on day 1 of the month (Europe/Warsaw)' },
    { cron: '0 4 L * *', expected: 'At 04:00, on the last day of the month (Europe/Warsaw)' },
    { cron: '15 * * * *', expected: 'At 15 minutes past the hour (Europe/Warsaw)' },
    { cron: '*/15 * * * *', expected: 'Every 15 minutes (Europe/Warsaw)' },
    { cron: '0 */6 * * *', expected: 'On the hour, every 6 hours (Europe/Warsaw)' },
    { cron: '0 2 * 6 1', expected: 'At 02:00, only on Monday, only in June (Europe/Warsaw)' },
  ])('$cron → $expected', ({ cron, expected }) => {
    expect(describeSchedule(cron, 'Europe/Warsaw', now)).toBe(expected);
  });

  it('names the canonical time zone the operator will read', () => {
    expect(describeSchedule('0 2 * * *', 'europe/warsaw', now)).toBe('At 02:00 (Europe/Warsaw)');
  });

  it('says so when the expression never fires again', () => {
    expect(describeSchedule('0 0 30 2 *', WARSAW, now)).toBe('"0 0 30 2 *" never runs again (Europe/Warsaw)');
  });
});

describe('describeUnreachableCron', () => {
  it.each([
    { cron: '0 0 30 2 *', never: true },
    { cron: '0 0 31 4,6,9,11 *', never: true },
    { cron: '0 0 31 2,3 *', never: false },
    { cron: '0 0 29 2 *', never: false },
    { cron: '0 0 30 2 1', never: false },
    { cron: '0 2 * * *', never: false },
    { cron: 'not cron', never: false },
  ])('$cron never runs: $never', ({ cron, never }) => {
    expect(describeUnreachableCron(cron) !== null).toBe(never);
  });
});

describe('decideMissedRuns', () => {
  const job = (lastScheduledAt: string | null, missedRunPolicy: 'skip' | 'run-once' = 'skip') => ({
    cron: '0 2 * * *',
    timeZone: 'UTC',
    lastScheduledAt: lastScheduledAt === null ? null : new Date(lastScheduledAt),
    missedRunPolicy,
  });

  it.each([
    {
      name: 'nothing due before the next time',
      job: job('2026-01-01T02:00:00Z'),
      now: '2026-01-01T12:00:00Z',
      expected: {
        runNow: false,
        missed: [],
        checkpointAt: '2026-01-01T02:00:00.000Z',
        nextAt: '2026-01-02T02:00:00.000Z',
      },
    },
    {
      name: 'on time: the due run starts and nothing is missed',
      job: job('2026-01-01T02:00:00Z'),
      now: '2026-01-02T02:00:20Z',
      expected: {
        runNow: true,
        missed: [],
        checkpointAt: '2026-01-02T02:00:00.000Z',
        nextAt: '2026-01-03T02:00:00.000Z',
      },
    },
    {
      name: 'down for three nights, skip: the runs are recorded as missed and nothing starts',
      job: job('2026-01-01T02:00:00Z', 'skip'),
      now: '2026-01-04T09:00:00Z',
      expected: {
        runNow: false,
        missed: ['2026-01-02T02:00:00.000Z', '2026-01-03T02:00:00.000Z', '2026-01-04T02:00:00.000Z'],
        checkpointAt: '2026-01-04T02:00:00.000Z',
        nextAt: '2026-01-05T02:00:00.000Z',
      },
    },
    {
      name: 'down for three nights, run-once: one catch-up run, not three',
      job: job('2026-01-01T02:00:00Z', 'run-once'),
      now: '2026-01-04T09:00:00Z',
      expected: {
        runNow: true,
        missed: ['2026-01-02T02:00:00.000Z', '2026-01-03T02:00:00.000Z', '2026-01-04T02:00:00.000Z'],
        checkpointAt: '2026-01-04T02:00:00.000Z',
        nextAt: '2026-01-05T02:00:00.000Z',
      },
    },
    {
      name: 'back just in time for tonight after missing last night: tonight runs, last night is missed',
      job: job('2026-01-01T02:00:00Z', 'skip'),
      now: '2026-01-03T02:01:00Z',
      expected: {
        runNow: true,
        missed: ['2026-01-02T02:00:00.000Z'],
        checkpointAt: '2026-01-03T02:00:00.000Z',
        nextAt: '2026-01-04T02:00:00.000Z',
      },
    },
    {
      name: 'a job never scheduled starts its schedule now, with nothing due',
      job: job(null, 'run-once'),
      now: '2026-01-04T09:00:00Z',
      expected: {
        runNow: false,
        missed: [],
        checkpointAt: '2026-01-04T09:00:00.000Z',
        nextAt: '2026-01-05T02:00:00.000Z',
      },
    },
  ])('$name', ({ job: state, now, expected }) => {
    const decision = decideMissedRuns(state, new Date(now));
    expect({
      runNow: decision.runNow,
      missed: iso(decision.missed),
      checkpointAt: decision.checkpointAt.toISOString(),
      nextAt: decision.nextAt?.toISOString(),
    }).toEqual(expected);
  });

  it('lists at most MAX_LISTED_MISSED_RUNS of a per-minute job down for a week, and says there were more', () => {
    const decision = decideMissedRuns(
      {
        cron: '* * * * *',
        timeZone: 'UTC',
        lastScheduledAt: new Date('2026-01-01T00:00:00Z'),
        missedRunPolicy: 'run-once',
      },
      new Date('2026-01-08T00:00:30Z'),
    );
    expect(decision.missed).toHaveLength(MAX_LISTED_MISSED_RUNS);
    expect(decision.hasMoreMissed).toBe(true);
    expect(decision.runNow).toBe(true);
    expect(decision.checkpointAt.toISOString()).toBe('2026-01-08T00:00:00.000Z');
  });

  it('never decides the same time twice: deciding again from the checkpoint finds nothing due', () => {
    const first = decideMissedRuns(job('2026-01-01T02:00:00Z', 'run-once'), new Date('2026-01-04T09:00:00Z'));
    const second = decideMissedRuns(
      { ...job(null, 'run-once'), lastScheduledAt: first.checkpointAt },
      new Date('2026-01-04T09:01:00Z'),
    );
    expect(second.runNow).toBe(false);
    expect(second.missed).toEqual([]);
  });
});

describe('describeScheduleRpoGap', () => {
  // A Monday morning: the next two weeks hold every weekly pattern.
  const FROM = new Date('2026-06-15T06:00:00Z');
  it.each([
    [
      'weekdays at 22:00 with a 26 h RPO: the weekend gap is 72 h',
      '0 22 * * 1-5',
      26,
      'The schedule leaves up to 72 h between runs (Friday 22:00 to Monday 22:00, UTC), longer than the 26 h RPO',
    ],
    ['daily at 02:00 with a 26 h RPO', '0 2 * * *', 26, null],
    ['daily at 02:00 with exactly a 24 h RPO', '0 2 * * *', 24, null],
    ['every 15 minutes with a 1 h RPO', '*/15 * * * *', 1, null],
    [
      'twice a day at uneven hours: the longest of the two gaps counts',
      '0 6,10 * * *',
      12,
      'The schedule leaves up to 20 h between runs',
    ],
    [
      'weekly on Sunday with a 7-day RPO less a minute',
      '0 3 * * 0',
      167.9,
      'The schedule leaves up to 168 h between runs',
    ],
  ])('%s', (_, cron, rpoHours, expected) => {
    const warning = describeScheduleRpoGap(cron, 'UTC', rpoHours, FROM);
    if (expected === null) expect(warning).toBeNull();
    else expect(warning).toContain(expected);
  });
});
