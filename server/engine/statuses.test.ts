import { describe, expect, it } from 'vitest';
import { copiedBytesOf, STEP_STATUSES, type StepStatus } from './statuses';

describe('copiedBytesOf', () => {
  const counted: Record<StepStatus, boolean> = {
    pending: false, // waiting to retry: the attempt's bytes are copied again from the start
    running: true, // its progress, while it runs
    succeeded: true,
    degraded: true,
    failed: false,
    skipped: false,
    cancelled: false,
  };
  it.each(STEP_STATUSES.map((status) => ({ status, isCounted: counted[status] })))(
    'a $status step’s bytes count as copied: $isCounted',
    ({ status, isCounted }) => {
      const steps = [
        { status: 'succeeded', bytesDone: 1000 },
        { status, bytesDone: 300 },
      ];
      expect(copiedBytesOf(steps)).toBe(isCounted ? 1300 : 1000);
    },
  );

  it('is 0 for an operation that copied nothing', () => {
    expect(copiedBytesOf([])).toBe(0);
  });
});
