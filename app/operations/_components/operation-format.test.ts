import { describe, expect, it } from 'vitest';
import type { StepStatus } from '@/server/engine/statuses';
import { bytesPerSecond, describeCollateral, describeStepSize, stepElapsedMs } from './operation-format';

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

describe('describeStepSize', () => {
  const GIB = 2 ** 30;
  it.each<{ name: string; status: StepStatus; bytesDone: number; bytesTotal: number | null; text: string }>([
    {
      name: 'a step not started moved nothing',
      status: 'pending',
      bytesDone: 0,
      bytesTotal: null,
      text: '—',
    },
    {
      name: 'a snapshot step moves no bytes',
      status: 'succeeded',
      bytesDone: 0,
      bytesTotal: null,
      text: '—',
    },
    {
      name: 'a copy under way, size declared',
      status: 'running',
      bytesDone: GIB,
      bytesTotal: 4 * GIB,
      text: '1.0 GiB of 4.0 GiB',
    },
    {
      name: 'a copy at its declared end',
      status: 'running',
      bytesDone: 4 * GIB,
      bytesTotal: 4 * GIB,
      text: '4.0 GiB of 4.0 GiB',
    },
    {
      name: 'a copy past the size its host declared',
      status: 'running',
      bytesDone: 5 * GIB,
      bytesTotal: 4 * GIB,
      text: '5.0 GiB, past the 4.0 GiB declared',
    },
    {
      name: 'a copy whose host declared no size (told 0)',
      status: 'running',
      bytesDone: GIB,
      bytesTotal: 0,
      text: '1.0 GiB so far (size not reported)',
    },
    {
      name: 'a copy whose host declared no size (none recorded)',
      status: 'running',
      bytesDone: GIB,
      bytesTotal: null,
      text: '1.0 GiB so far (size not reported)',
    },
    {
      name: 'a copy that has not moved a byte yet',
      status: 'running',
      bytesDone: 0,
      bytesTotal: 4 * GIB,
      text: '0 B of 4.0 GiB',
    },
    {
      name: 'a copy started, size unknown, nothing moved',
      status: 'running',
      bytesDone: 0,
      bytesTotal: null,
      text: '—',
    },
    {
      name: 'a finished copy: what it moved',
      status: 'succeeded',
      bytesDone: 4 * GIB,
      bytesTotal: 4 * GIB,
      text: '4.0 GiB',
    },
    {
      name: 'a degraded copy: what it moved',
      status: 'degraded',
      bytesDone: 3 * GIB,
      bytesTotal: 3 * GIB,
      text: '3.0 GiB',
    },
    {
      name: 'a failed copy: what it moved before failing',
      status: 'failed',
      bytesDone: GIB,
      bytesTotal: 4 * GIB,
      text: '1.0 GiB',
    },
    {
      name: 'a copy waiting to retry: what its attempt moved',
      status: 'pending',
      bytesDone: GIB,
      bytesTotal: 4 * GIB,
      text: '1.0 GiB',
    },
  ])('$name', ({ status, bytesDone, bytesTotal, text }) => {
    expect(describeStepSize({ status, bytesDone, bytesTotal })).toBe(text);
  });
});

describe('describeCollateral', () => {
  const web01 = [{ vmName: 'web01', dataLossMs: 3 * 3_600_000 }];
  it.each<{ name: string; collateral: typeof web01; revert: StepStatus | null; term: string; value: string }>(
    [
      {
        name: 'no other VM on the volume',
        collateral: [],
        revert: 'succeeded',
        term: 'Other VMs rolled back',
        value: 'none',
      },
      {
        name: 'the revert done: rolled back',
        collateral: web01,
        revert: 'succeeded',
        term: 'Other VMs rolled back',
        value: 'web01 (loses 3 h 0 min)',
      },
      {
        name: 'the revert not run yet: what it will roll back',
        collateral: web01,
        revert: 'pending',
        term: 'Other VMs it rolls back',
        value: "web01 (loses 3 h 0 min): not yet, the volume's revert has not finished",
      },
      {
        name: 'the revert running: not yet',
        collateral: web01,
        revert: 'running',
        term: 'Other VMs it rolls back',
        value: "web01 (loses 3 h 0 min): not yet, the volume's revert has not finished",
      },
      {
        name: 'the revert failed: not as planned',
        collateral: web01,
        revert: 'failed',
        term: 'Other VMs rolled back',
        value: "not as planned: the volume's revert failed (planned: web01 (loses 3 h 0 min))",
      },
      {
        name: 'refused or cancelled before the revert: none',
        collateral: web01,
        revert: 'cancelled',
        term: 'Other VMs rolled back',
        value: "none: the volume's revert did not run (planned: web01 (loses 3 h 0 min))",
      },
      {
        name: 'skipped: none',
        collateral: web01,
        revert: 'skipped',
        term: 'Other VMs rolled back',
        value: "none: the volume's revert did not run (planned: web01 (loses 3 h 0 min))",
      },
    ],
  )('$name', ({ collateral, revert, term, value }) => {
    expect(describeCollateral(collateral, revert)).toEqual({ term, value });
  });
});
