/**
 * Persists the engine's verdict on every VM (readiness, recommended method, findings), so list
 * pages filter and sort on it in the store instead of evaluating the estate per request.
 *
 * The whole estate is evaluated in memory (the engine is linear in its size) and assessments and
 * findings are rewritten wholesale, in the same transaction as the write that changed the estate.
 */

import type { Stores } from '../../db/stores/ports';
import type { AssessmentSummary } from '../../db/stores/ports/inventory';
import { evaluateInventory, evaluateVm, type VmAssessment } from '../engine/evaluate';
import { type Inventory, indexInventory } from '../engine/inventory';
import { neighbourhoodOf } from '../engine/neighbourhood';

export type { AssessmentSummary } from '../../db/stores/ports/inventory';

/** How every write assesses the estate it leaves behind. */
export const assessEstate = evaluateInventory;

/**
 * Assesses only the VMs whose findings a change to `vmIds` can move: those VMs and every VM sharing
 * storage with them (the plan neighbourhood: co-captured VMs on a shared SR or LUN name each other in
 * their findings and options). Everything else keeps its stored assessment. Evaluated against the
 * whole estate, so each verdict is the one a whole-estate assessment would give.
 */
export function assessAround(whole: Inventory, vmIds: readonly string[]): VmAssessment[] {
  const index = indexInventory(whole);
  return neighbourhoodOf(whole, vmIds).vms.map((vm) => evaluateVm(index, vm.id));
}

/** Re-evaluates the whole estate and rewrites every stored assessment. */
export async function recomputeAssessments(stores: Pick<Stores, 'inventory'>): Promise<AssessmentSummary> {
  return stores.inventory.reassess(assessEstate);
}
