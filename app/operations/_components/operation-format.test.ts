import { describe, expect, it } from 'vitest';
import type { StepStatus } from '@/server/engine/statuses';
import { bytesPerSecond, stepElapsedMs } from './operation-format';

const START = new Date('2026-12-03T10:00:00Z');
const at = (seconds: number) => new Date(START.getTime() + seconds * 1000);
const NOW = at(300);

describe('stepElapsedMs', () => {
  it.each<{
    name: string;
    status: StepStatus;
    startedAt: Date | null;
    finishedAt: Date | null;
    ms: number | null;
  }>([
    {
      name: 'a step not started has no time',
      status: 'pending',
      startedAt: null,
      finishedAt: null,
      ms: null,
    },
    {
      name: 'a running step is timed up to now',
      status: 'running',
      startedAt: at(60),
      finishedAt: null,
      ms: 240_000,
    },
    {
      name: 'a finished step keeps its own time',
      status: 'succeeded',
      startedAt: at(0),
      finishedAt: at(90),
      ms: 90_000,
    },
    {
      name: 'a failed step keeps its own time',
      status: 'failed',
      startedAt: at(0),
      finishedAt: at(30),
      ms: 30_000,
    },
    {
      name: 'a step waiting to retry has none, although its last attempt started',
      status: 'pending',
      startedAt: at(0),
      finishedAt: null,
      ms: null,
    },
  ])('$name', ({ status, startedAt, finishedAt, ms }) => {
    expect(stepElapsedMs({ status, startedAt, finishedAt }, NOW)).toBe(ms);
  });

  it('gives a step waiting to retry no speed either', () => {
    const ms = stepElapsedMs({ status: 'pending', startedAt: at(0), finishedAt: null }, NOW);
    expect(bytesPerSecond(512 * 2 ** 20, ms)).toBeNull();
  });
});
