import { describe, expect, it } from 'vitest';
import {
  describeRemaining,
  describeStepProgress,
  estimateRemainingMs,
  type StepCounts,
} from './operation-progress';

const counts = (total: number, done: number, failed = 0, notRun = 0): StepCounts => ({
  total,
  done,
  failed,
  notRun,
});

describe('step progress in words', () => {
  it.each<[string, StepCounts, string]>([
    ['a finished run', counts(17, 17), '17 of 17 steps done'],
    [
      'a cancelled run: the steps that never ran are not done',
      counts(17, 3, 0, 14),
      '3 of 17 steps done · 14 not run',
    ],
    ['a failed run', counts(5, 2, 1, 2), '2 of 5 steps done · 1 failed · 2 not run'],
    ['one step', counts(1, 0), '0 of 1 step done'],
  ])('%s', (_, steps, words) => {
    expect(describeStepProgress(steps)).toBe(words);
  });
});

describe('time left at the pace so far', () => {
  const startedAt = new Date('2026-06-15T10:00:00Z');
  const at = (minutes: number) => new Date(startedAt.getTime() + minutes * 60_000);
  it.each<[string, Parameters<typeof estimateRemainingMs>[0], number | null]>([
    [
      '4 of 10 steps in 8 min: 12 min to go',
      { status: 'running', startedAt, now: at(8), steps: counts(10, 4) },
      12 * 60_000,
    ],
    [
      'failed and skipped steps count as finished',
      { status: 'running', startedAt, now: at(8), steps: counts(10, 2, 1, 1) },
      12 * 60_000,
    ],
    [
      'nothing finished yet: no pace, no estimate',
      { status: 'running', startedAt, now: at(8), steps: counts(10, 0) },
      null,
    ],
    [
      'not running: no estimate',
      { status: 'queued', startedAt: null, now: at(8), steps: counts(10, 0) },
      null,
    ],
    ['finished: no estimate', { status: 'succeeded', startedAt, now: at(8), steps: counts(10, 10) }, null],
    [
      'a clock behind the start: no estimate',
      { status: 'running', startedAt, now: at(-1), steps: counts(10, 4) },
      null,
    ],
  ])('%s', (_, input, expected) => {
    expect(estimateRemainingMs(input)).toBe(expected);
  });

  it.each([
    [400, 'about 1 s left'],
    [42_000, 'about 42 s left'],
    [12 * 60_000, 'about 12 min left'],
    [3 * 3_600_000, 'about 3.0 h left'],
  ])('%i ms reads %s', (ms, words) => {
    expect(describeRemaining(ms)).toBe(words);
  });
});
