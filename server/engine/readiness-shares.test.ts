import { describe, expect, it } from 'vitest';
import { readinessShares } from './readiness-shares';
import type { Readiness } from './types';

const counts = (values: Partial<Record<Readiness, number>>): Record<Readiness, number> => ({
  'online-ready': 0,
  unconfirmed: 0,
  'saved-state-only': 0,
  'crash-only': 0,
  partial: 0,
  blocked: 0,
  ...values,
});

describe('readinessShares', () => {
  it.each([
    {
      name: 'divides by the VMs that have a readiness, so the shares add up to one whole',
      counts: counts({ 'online-ready': 6, blocked: 2 }),
      shares: counts({ 'online-ready': 0.75, blocked: 0.25 }),
    },
    {
      name: 'one VM ready of one',
      counts: counts({ 'online-ready': 1 }),
      shares: counts({ 'online-ready': 1 }),
    },
    { name: 'none when no VM has a readiness (all gone, or none yet)', counts: counts({}), shares: null },
  ])('$name', ({ counts: given, shares }) => {
    expect(readinessShares(given)).toEqual(shares);
  });
});
