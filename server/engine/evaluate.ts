/**
 * Whole-VM and whole-estate assessment: findings, method plan and readiness.
 *
 * Readiness is read off the recommended method (the one a job would use):
 * - blocked: no whole-VM method is available (guest-agent alone protects guest volumes, not the VM);
 * - partial: the recommended method leaves disks out (pass-through);
 * - saved-state-only: the running VM would be put into saved state (downtime);
 * - crash-only: the best point it can get is crash-consistent;
 * - unconfirmed: it would be online-ready, but only if facts nobody could read allow it (the
 *   recommendation says "expected but not confirmed" in the same case: isOnlineCaptureUnconfirmed);
 * - online-ready: captured without downtime at filesystem consistency or better. A powered-off VM
 *   whose files can be copied consistently is "ready" too: nothing is waiting on the operator.
 */
import { type Inventory, type InventoryIndex, indexInventory, type Vm } from './inventory';
import { type MethodPlan, planVm, planVmOf } from './planner';
import { isOnlineCaptureUnconfirmed } from './planner-recommendation';
import { type HostScope, hostScopeOf } from './rules';
import { estateCacheOf, vmsOnHostVolume } from './rules/context';
import type { Finding, Readiness } from './types';

export interface VmAssessment {
  vmId: string;
  findings: Finding[];
  plan: MethodPlan;
  readiness: Readiness;
}

/** The readiness of a plan made from these findings (the plan's own, as planVm returns them). */
export function readinessOf(plan: MethodPlan, findings: readonly Finding[]): Readiness {
  const recommended = plan.options.find((o) => o.method === plan.recommended && o.isAvailable);
  if (!recommended) return 'blocked';
  if (recommended.excludedDisks.length > 0) return 'partial';
  if (recommended.captureState === 'saved-state' && recommended.expectedDowntimeSeconds > 0) {
    return 'saved-state-only';
  }
  if (recommended.consistency === 'crash') return 'crash-only';
  if (isOnlineCaptureUnconfirmed(recommended, findings)) return 'unconfirmed';
  return 'online-ready';
}

export function evaluateVm(index: InventoryIndex, vmId: string): VmAssessment {
  const { plan, findings } = planVm(index, vmId);
  return { vmId, findings, plan, readiness: readinessOf(plan, findings) };
}

/** Builds the index once; every rule then works on maps, so the cost is linear in the estate. */
export function evaluateInventory(inventory: Inventory): VmAssessment[] {
  const index = indexInventory(inventory);
  const { vms } = inventory;
  // With every id once, each VM is the index's own object: no look-up per VM. Were an id repeated,
  // the index holds the last VM of that id, and every VM of the id is assessed as that one.
  if (index.vmsById.size === vms.length) return assessVms(index, vms);
  return assessVms(
    index,
    vms.map((vm) => {
      const known = index.vmsById.get(vm.id);
      if (!known) throw new Error(`VM '${vm.id}' is not in the inventory`);
      return known;
    }),
  );
}

/**
 * The assessments of VMs of the index (its own objects), in their order, host by host: what the
 * VMs of a host share (the host, its ref, the planner's values that name it: HostScope) is looked
 * up once per run of VMs of one host — the inventory lists a host's VMs together — and what the VMs
 * of a volume or LUN set share is kept on the estate's node of that set (rules/context.ts). The
 * whole estate (evaluateInventory) and the part around a changed host (incremental.ts) both
 * assess through here.
 */
export function assessVms(index: InventoryIndex, vms: readonly Vm[]): VmAssessment[] {
  const assessments = new Array<VmAssessment>(vms.length);
  const order = hostByHostOrder(index, vms);
  // By the VMs' own host id: one look-up per VM whose host is not the previous VM's.
  const scopes = new Map<string, HostScope>();
  let scope: HostScope | null = null;
  for (let k = 0; k < vms.length; k++) {
    const i = order === null ? k : order[k];
    const vm = vms[i];
    if (scope === null || scope.host.id !== vm.hostId) {
      scope = scopes.get(vm.hostId) ?? null;
      if (scope === null) {
        scope = hostScopeOf(index, vm);
        scopes.set(vm.hostId, scope);
      }
    }
    const { plan, findings } = planVmOf(index, vm, scope);
    assessments[i] = { vmId: vm.id, findings, plan, readiness: readinessOf(plan, findings) };
  }
  return assessments;
}

/**
 * The VMs' positions host by host (hosts in the order of their first VM, each host's VMs in list
 * order), or null to assess them in list order. Walking host by host keeps a host's volumes, lists
 * and shared options at hand (inventories list VMs by id, often round-robin over the hosts).
 *
 * The order must not change an assessment. Four values shared by the VMs of a host volume name the
 * host of the first VM that reaches the volume (planner.ts noLunReason and noLunOption,
 * rules/hyperv-host-volumes.ts describeLowShadowStorage and wsbVolumeOf): where a volume holds
 * files of VMs of several hosts (a CSV, a pool's SR), list order decides which. So the VMs with
 * files on such a volume come first, in list order, and the others host by host: the VMs of any
 * other volume all run on one host, and name it whichever comes first.
 */
function hostByHostOrder(index: InventoryIndex, vms: readonly Vm[]): number[] | null {
  if (vms.length < 2) return null;
  const onSharedVolumes = vmsOnVolumesOfSeveralHosts(index);
  const order: number[] = [];
  const positionsByHost = new Map<string, number[]>();
  for (let i = 0; i < vms.length; i++) {
    const vm = vms[i];
    if (onSharedVolumes.has(vm)) {
      order.push(i);
      continue;
    }
    const positions = positionsByHost.get(vm.hostId);
    if (positions) positions.push(i);
    else positionsByHost.set(vm.hostId, [i]);
  }
  for (const positions of positionsByHost.values()) {
    for (let j = 0; j < positions.length; j++) order.push(positions[j]);
  }
  return order;
}

/** The VMs (the index's objects) with disks or checkpoint files on a host volume used by VMs of several hosts. */
function vmsOnVolumesOfSeveralHosts(index: InventoryIndex): Set<Vm> {
  const hostOfVolume = new Map<string, string>();
  const sharedVolumeIds = new Set<string>();
  const note = (volumeId: string, hostId: string): void => {
    const known = hostOfVolume.get(volumeId);
    if (known === undefined) hostOfVolume.set(volumeId, hostId);
    else if (known !== hostId) sharedVolumeIds.add(volumeId);
  };
  const cache = estateCacheOf(index);
  for (const volumeId of index.vmIdsByHostVolume.keys()) {
    const onVolume = vmsOnHostVolume(index, cache, volumeId);
    for (let i = 0; i < onVolume.length; i++) note(volumeId, onVolume[i].hostId);
  }
  const { vms } = index.inventory;
  for (let i = 0; i < vms.length; i++) {
    const volumeId = vms[i].snapshotLocationVolumeId;
    if (volumeId) note(volumeId, vms[i].hostId);
  }
  const onShared = new Set<Vm>();
  if (sharedVolumeIds.size === 0) return onShared;
  for (const volumeId of sharedVolumeIds) {
    const onVolume = vmsOnHostVolume(index, cache, volumeId);
    for (let i = 0; i < onVolume.length; i++) onShared.add(onVolume[i]);
  }
  for (let i = 0; i < vms.length; i++) {
    const volumeId = vms[i].snapshotLocationVolumeId;
    // Looked up only for a VM whose checkpoint files are on a shared volume (a few, if any).
    if (!volumeId || !sharedVolumeIds.has(volumeId)) continue;
    const vm = index.vmsById.get(vms[i].id);
    if (vm) onShared.add(vm);
  }
  return onShared;
}
