/**
 * Each readiness's share of the VMs that have one, as the dashboard's cards give it. A VM gone from
 * its host has no readiness (db/stores/readiness-counts.ts) and is counted apart, so the shares
 * divide by the VMs on their host and add up to one whole: divided by every VM, gone ones too, they
 * fell short of 100 % while the gone VMs were counted beside them.
 */
import { READINESS, type Readiness } from './types';

/** Shares from 0 to 1; null when no VM has a readiness (there is nothing to divide). */
export function readinessShares(counts: Record<Readiness, number>): Record<Readiness, number> | null {
  const withReadiness = READINESS.reduce((sum, readiness) => sum + counts[readiness], 0);
  if (withReadiness <= 0) return null;
  return Object.fromEntries(
    READINESS.map((readiness) => [readiness, counts[readiness] / withReadiness]),
  ) as Record<Readiness, number>;
}
