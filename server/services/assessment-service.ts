/**
 * Persists the engine's verdict on every VM (readiness, recommended method, findings), so list
 * pages filter and sort on it in the store instead of evaluating the estate per request.
 *
 * The whole estate is evaluated in memory (the engine is linear in its size) and assessments and
 * findings are rewritten wholesale, in the same transaction as the write that changed the estate.
 */

import { createHash } from 'node:crypto';
import { demoLabInventory } from '../../db/seed/demo-lab';
import { generateLargeEstate } from '../../db/seed/large-estate';
import type { Stores } from '../../db/stores/ports';
import type { AssessmentSummary } from '../../db/stores/ports/inventory';
import type { ServiceContext } from '../context';
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

/**
 * What this engine concludes, in one value: the sha-256 of its assessments of a fixed estate (the
 * demo lab and a generated estate of 500 VMs). An engine whose rules, plans or words changed
 * verdicts there gives another value; a change that moves no verdict (a refactoring, a comment)
 * gives the same, so nothing is re-assessed for it. A change whose effect neither estate shows is
 * not seen: a rule change comes with a demo-lab VM or a generator case that shows it. Computed
 * once per process.
 */
export function engineFingerprint(): string {
  fingerprint ??= createHash('sha256')
    .update(JSON.stringify(assessEstate(demoLabInventory())))
    .update(JSON.stringify(assessEstate(generateLargeEstate({ hosts: 25, vms: 500 }))))
    .update(JSON.stringify(assessEstate(withoutWsbTargets(demoLabInventory()))))
    .digest('hex');
  return fingerprint;
}

/**
 * The demo lab as if its hosts were read through connections naming no Windows Server Backup
 * target: both estates above are the lab's, which needs none, so what the engine makes of a host
 * without one (Host.wsbTarget) would otherwise move no verdict here.
 */
function withoutWsbTargets(inventory: Inventory): Inventory {
  return { ...inventory, hosts: inventory.hosts.map((host) => ({ ...host, wsbTarget: 'none' as const })) };
}
let fingerprint: string | undefined;

/**
 * Re-assesses the whole estate when it was last assessed by another engine (an upgrade changed a
 * rule): stored verdicts are otherwise an older engine's until each VM's facts next change. A
 * worker runs it as it starts; null when the stored verdicts are already this engine's.
 */
export async function reassessIfEngineChanged(
  stores: Pick<Stores, 'inventory'>,
  ctx: Pick<ServiceContext, 'now'>,
  engine: string = engineFingerprint(),
): Promise<AssessmentSummary | null> {
  return stores.inventory.reassessUnlessAssessedBy(engine, assessEstate, ctx.now());
}
