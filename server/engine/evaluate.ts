/**
 * Whole-VM and whole-estate assessment: findings, method plan and readiness.
 *
 * Readiness is read off the recommended method (the one a job would use):
 * - blocked: no whole-VM method is available (guest-agent alone protects guest volumes, not the VM);
 * - partial: the recommended method leaves disks out (pass-through);
 * - saved-state-only: the running VM would be put into saved state (downtime);
 * - crash-only: the best point it can get is crash-consistent;
 * - online-ready: captured without downtime at filesystem consistency or better. A powered-off VM
 *   whose files can be copied consistently is "ready" too: nothing is waiting on the operator.
 */
import { type Inventory, type InventoryIndex, indexInventory } from './inventory';
import { type MethodPlan, planVm, planVmOf } from './planner';
import type { Finding, Readiness } from './types';

export interface VmAssessment {
  vmId: string;
  findings: Finding[];
  plan: MethodPlan;
  readiness: Readiness;
}

export function readinessOf(plan: MethodPlan): Readiness {
  const recommended = plan.options.find((o) => o.method === plan.recommended && o.isAvailable);
  if (!recommended) return 'blocked';
  if (recommended.excludedDisks.length > 0) return 'partial';
  if (recommended.captureState === 'saved-state' && recommended.expectedDowntimeSeconds > 0) {
    return 'saved-state-only';
  }
  if (recommended.consistency === 'crash') return 'crash-only';
  return 'online-ready';
}

export function evaluateVm(index: InventoryIndex, vmId: string): VmAssessment {
  const { plan, findings } = planVm(index, vmId);
  return { vmId, findings, plan, readiness: readinessOf(plan) };
}

/** Builds the index once; every rule then works on maps, so the cost is linear in the estate. */
export function evaluateInventory(inventory: Inventory): VmAssessment[] {
  const index = indexInventory(inventory);
  const { vms } = inventory;
  const assessments = new Array<VmAssessment>(vms.length);
  // With every id once, each VM is the index's own object: no look-up per VM. Were an id repeated,
  // the index holds the last VM of that id, and every VM of the id is assessed as that one.
  const idsAreUnique = index.vmsById.size === vms.length;
  for (let i = 0; i < vms.length; i++) {
    const vm = idsAreUnique ? vms[i] : index.vmsById.get(vms[i].id);
    if (!vm) throw new Error(`VM '${vms[i].id}' is not in the inventory`);
    const { plan, findings } = planVmOf(index, vm);
    assessments[i] = { vmId: vm.id, findings, plan, readiness: readinessOf(plan) };
  }
  return assessments;
}
