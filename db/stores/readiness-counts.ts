/**
 * Readiness as the views show it, in both dialects. A VM gone from its host has none: its stored
 * assessment is what its configuration allowed when the host last listed it, a backup refuses it,
 * and re-assessing it (a sync does, as it marks it) rewrites that same verdict. So the reads never
 * take readiness from vm_assessments alone: each dialect's `shownReadiness` (inventory-shared.ts)
 * is null for a gone VM, and every list, page and count goes through it; a count's null bucket is
 * its gone VMs. The stored assessment stays, and is shown again when a sync sees the VM back.
 */
import { READINESS, type Readiness } from '../../server/engine/types';

export interface ReadinessTally {
  readinessCounts: Record<Readiness, number>;
  /** VMs gone from their host: counted under no readiness. */
  goneVmCount: number;
}

export function emptyReadinessCounts(): Record<Readiness, number> {
  return Object.fromEntries(READINESS.map((readiness) => [readiness, 0])) as Record<Readiness, number>;
}

/** Rows of a count grouped by shown readiness (null: gone), as the views report them. */
export function tallyReadiness(
  rows: Iterable<{ readiness: Readiness | null; n: number | string }>,
): ReadinessTally {
  const tally: ReadinessTally = { readinessCounts: emptyReadinessCounts(), goneVmCount: 0 };
  for (const row of rows) {
    if (row.readiness === null) tally.goneVmCount += Number(row.n);
    else tally.readinessCounts[row.readiness] += Number(row.n);
  }
  return tally;
}
