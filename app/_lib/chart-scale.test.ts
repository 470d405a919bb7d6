import { describe, expect, it } from 'vitest';
import { niceTicks } from './chart-scale';

describe('niceTicks', () => {
  it('steps by 1, 2 or 5 × 10ⁿ and ends at or above the largest value', () => {
    expect(niceTicks(7)).toEqual([0, 2, 4, 6, 8]);
    expect(niceTicks(8)).toEqual([0, 2, 4, 6, 8]);
    expect(niceTicks(10)).toEqual([0, 5, 10]);
    expect(niceTicks(123)).toEqual([0, 50, 100, 150]);
    expect(niceTicks(1500)).toEqual([0, 500, 1000, 1500]);
    expect(niceTicks(3)).toEqual([0, 1, 2, 3]);
  });

  it('keeps counts whole: small maxima step by one', () => {
    expect(niceTicks(1)).toEqual([0, 1]);
    expect(niceTicks(2)).toEqual([0, 1, 2]);
  });

  it('gives an axis from 0 to 1 when there is nothing to draw', () => {
    expect(niceTicks(0)).toEqual([0, 1]);
    expect(niceTicks(Number.NaN)).toEqual([0, 1]);
    expect(niceTicks(-4)).toEqual([0, 1]);
  });

  it('prints fractional steps without floating-point noise when fractions are allowed', () => {
    expect(niceTicks(0.37, { minStep: 0 })).toEqual([0, 0.1, 0.2, 0.3, 0.4]);
    expect(niceTicks(0.7, { minStep: 0 })).toEqual([0, 0.2, 0.4, 0.6, 0.8]);
  });

  it('honours a different number of ticks asked for', () => {
    expect(niceTicks(100, { target: 10 })).toEqual([0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
    expect(niceTicks(100, { target: 2 })).toEqual([0, 50, 100]);
  });

  it('never returns fewer than two ticks nor a top below the maximum', () => {
    for (const max of [1, 3, 9, 11, 19, 21, 49, 51, 99, 101, 999, 1001, 12_345]) {
      const ticks = niceTicks(max);
      expect(ticks.length).toBeGreaterThanOrEqual(2);
      expect(ticks.at(-1)).toBeGreaterThanOrEqual(max);
      expect(ticks.length).toBeLessThanOrEqual(6);
    }
  });
});
