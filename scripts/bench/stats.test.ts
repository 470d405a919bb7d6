import { describe, expect, it } from 'vitest';
import { formatTable, judge, missedOf, type Row } from './report';
import { fullGarbageCollection, measurePair, meets, percentile, ratio, summarize } from './stats';

describe('percentile (nearest rank)', () => {
  it.each([
    { name: 'the median of an odd count is the middle sample', samples: [5, 1, 3], p: 50, expected: 3 },
    { name: 'the median of an even count is the lower middle', samples: [4, 1, 3, 2], p: 50, expected: 2 },
    { name: 'p95 of 20 samples is the 19th smallest', samples: [...Array(20).keys()], p: 95, expected: 18 },
    { name: 'p95 of 10 samples is the largest', samples: [...Array(10).keys()], p: 95, expected: 9 },
    { name: 'p0 is the smallest', samples: [7, 3, 9], p: 0, expected: 3 },
    { name: 'p100 is the largest', samples: [7, 3, 9], p: 100, expected: 9 },
    { name: 'one sample is every percentile', samples: [42], p: 95, expected: 42 },
  ])('$name', ({ samples, p, expected }) => {
    expect(percentile(samples, p)).toBe(expected);
  });

  it('is NaN without samples and refuses a percentile outside 0–100', () => {
    expect(percentile([], 50)).toBeNaN();
    expect(() => percentile([1], 101)).toThrow('percentile 101 is outside 0–100');
  });

  it('does not reorder the caller’s samples', () => {
    const samples = [3, 1, 2];
    summarize(samples);
    expect(samples).toEqual([3, 1, 2]);
  });
});

describe('ratios and targets', () => {
  it.each([
    { name: 'a ratio under its maximum is met', value: 2, target: { max: 3 }, isMet: true },
    { name: 'a ratio at its maximum is met', value: 3, target: { max: 3 }, isMet: true },
    { name: 'a ratio over its maximum is missed', value: 3.01, target: { max: 3 }, isMet: false },
    { name: 'a rate at its minimum is met', value: 0.25, target: { min: 0.25 }, isMet: true },
    { name: 'a rate under its minimum is missed', value: 0.2, target: { min: 0.25 }, isMet: false },
    {
      name: 'an unmeasured figure never meets a target',
      value: Number.NaN,
      target: { max: 3 },
      isMet: false,
    },
  ])('$name', ({ value, target, isMet }) => {
    expect(meets(value, target)).toBe(isMet);
  });

  it('a ratio to a floor that is zero or unmeasured is NaN, never Infinity', () => {
    expect(ratio(5, 2)).toBe(2.5);
    expect(ratio(5, 0)).toBeNaN();
    expect(ratio(5, Number.NaN)).toBeNaN();
  });
});

describe('the table', () => {
  const summary = (median: number, p95 = median) => ({ median, p95, count: 10 });
  const rows: Row[] = [
    {
      scenario: 'vms.list first page',
      unit: 'ms',
      value: summary(0.5, 0.9),
      floor: summary(0.25),
      target: { max: 3 },
    },
    { scenario: 'over HTTP', unit: 'req/s', value: summary(100), floor: summary(500), target: { min: 0.25 } },
    { scenario: 'gzip', unit: 'KB', value: summary(0.8), judged: 'value', target: { max: 10 } },
    { scenario: 'information only', unit: 'ms', value: summary(12) },
  ];

  it('judges the ratio of medians by default and the value itself for sizes', () => {
    const verdicts = rows.map(judge);
    expect(verdicts.map((verdict) => verdict.ratio)).toEqual([2, 0.2, Number.NaN, Number.NaN]);
    expect(verdicts.map((verdict) => verdict.isMet)).toEqual([true, false, true, undefined]);
    expect(missedOf(verdicts).map((verdict) => verdict.row.scenario)).toEqual(['over HTTP']);
  });

  it('prints one aligned Markdown row per figure, naming what was missed', () => {
    const table = formatTable(rows.map(judge)).split('\n');
    expect(table).toHaveLength(2 + rows.length);
    expect(new Set(table.map((line) => line.length)).size).toBe(1);
    expect(table[0]).toMatch(
      /^\| scenario +\| +unit \| +median \| +p95 \| +floor \| +ratio \| +target \| verdict \|$/,
    );
    expect(table[2]).toMatch(/\| +0\.50 \| +0\.90 \| +0\.25 \|/);
    expect(table[2]).toContain('2.00× |');
    expect(table[2]).toContain('ratio ≤ 3× |');
    expect(table[3]).toContain('MISSED');
    expect(table[4]).toContain('≤ 10 KB');
    expect(table[5]).toMatch(/\| +\|$/);
  });
});

describe('measurePair', () => {
  it('runs scenario and floor alternately, the warm-up unmeasured', async () => {
    const calls: string[] = [];
    const result = await measurePair(
      () => calls.push('s'),
      () => calls.push('f'),
      3,
      1,
    );
    expect(calls.join('')).toBe('sfsfsfsf');
    expect(result.scenario).toHaveLength(3);
    expect(result.floor).toHaveLength(3);
  });

  it('settles before each measured call, not before the warm-up', async () => {
    const calls: string[] = [];
    await measurePair(
      () => calls.push('s'),
      () => calls.push('f'),
      2,
      1,
      () => calls.push('.'),
    );
    expect(calls.join('')).toBe('sf.s.f.s.f');
  });
});

describe('fullGarbageCollection', () => {
  it('gives a collector that frees what nothing references any more', async () => {
    const collect = fullGarbageCollection();
    let garbage: object | null = {};
    const watched = new WeakRef(garbage);
    garbage = null;
    // A WeakRef's target is kept until the end of the job that made or read it.
    await new Promise<void>((resolve) => setImmediate(resolve));
    collect();
    expect(watched.deref()).toBeUndefined();
  });
});
