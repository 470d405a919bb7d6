/**
 * When a job edit's retention may be saved without a second admin: only when it is known to delete
 * nothing. A job with more points than were read may lose some of the rest, which is not nothing.
 */
import { describe, expect, it } from 'vitest';
import { isRetentionKept } from './retention-change';

describe('isRetentionKept', () => {
  it.each([
    { count: 0, isAtLeast: false, kept: true },
    { count: 0, isAtLeast: true, kept: false },
    { count: 1, isAtLeast: false, kept: false },
    { count: 3, isAtLeast: true, kept: false },
  ])(
    '$count deleted (at least: $isAtLeast) → saved without approval: $kept',
    ({ count, isAtLeast, kept }) => {
      expect(isRetentionKept({ count, isAtLeast, points: [] })).toBe(kept);
    },
  );
});
