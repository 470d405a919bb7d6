/**
 * Persists the engine's verdict on every VM (readiness, recommended method, findings), so list
 * pages filter and sort on it in the store instead of evaluating the estate per request.
 *
 * The whole estate is evaluated in memory (the engine is linear in its size) and assessments and
 * findings are rewritten wholesale, in the same transaction as the write that changed the estate.
 */

import type { Stores } from '../../db/stores/ports';
import type { AssessmentSummary } from '../../db/stores/ports/inventory';
import { evaluateInventory } from '../engine/evaluate';

export type { AssessmentSummary } from '../../db/stores/ports/inventory';

/** How every write assesses the estate it leaves behind. */
export const assessEstate = evaluateInventory;

/** Re-evaluates the whole estate and rewrites every stored assessment. */
export async function recomputeAssessments(stores: Pick<Stores, 'inventory'>): Promise<AssessmentSummary> {
  return stores.inventory.reassess(assessEstate);
}
