/**
 * What the backup planning stages hand each other (see ../backup-plan.ts for the order), and the
 * request shapes they read. Pure values; every stage appends its blockers and findings to one
 * `Verdict`, in stage order, so the plan lists them in the order the operator's choices were made.
 */
import type { InventoryIndex, VirtualDisk, Vm } from '../inventory';
import type { ConsistencyPolicy, PassthroughPolicy, PlannedVm, ScriptSpec } from '../plan-types';
import { type MethodOption, type MethodPlan, planMethods } from '../planner';
import type { RetentionPolicy } from '../step-params';
import type { BackupMethod, Finding, ObjectRef } from '../types';

export type BackupScope =
  | { kind: 'vms'; vmIds: string[] }
  | { kind: 'host-volume'; hostVolumeId: string }
  | { kind: 'array-volume'; arrayVolumeId: string };

export interface VmScripts {
  preFreeze?: ScriptSpec;
  postThaw?: ScriptSpec;
}

export interface BackupPlanRequest {
  scope: BackupScope;
  /** Method per VM id; VMs not listed get the planner's recommendation. */
  methodByVm?: Record<string, BackupMethod>;
  consistencyPolicy: ConsistencyPolicy;
  scripts?: Record<string, VmScripts>;
  passthroughPolicy: PassthroughPolicy;
  /**
   * Keep a memory checkpoint on the pool: for each Xen VM, a `VM.checkpoint` (disks + RAM) kept on
   * its pool as a restore point of its own, after the VM's backup.
   */
  keepMemoryCheckpoint?: boolean;
  /**
   * Array snapshots: keep the array snapshot on the array after the VMs' disks are copied into the
   * repository (not released), so their points also offer a volume revert and a staged restore.
   * A failed or cancelled capture still releases it (kept-snapshots.ts); retention deletes it with
   * the last point that holds it.
   */
  keepArraySnapshot?: boolean;
}

export interface BackupPlanContext {
  now: Date;
  newId: () => string;
  /** The job the run belongs to; its retention is applied after the points are catalogued. */
  job?: { id: string; retention: RetentionPolicy; timeZone: string };
  /**
   * Names of VMs the inventory no longer has, by id, as their restore points last knew them: a
   * scope naming one (a job saved before it was removed) is refused naming it, not its id.
   */
  lastKnownVmNames?: ReadonlyMap<string, string>;
}

/** Blockers and findings, appended stage after stage. */
export interface Verdict {
  blockedReasons: string[];
  findings: Finding[];
}

/** The inventory, the request and the method plans every stage reads. */
export interface PlanningInput {
  index: InventoryIndex;
  request: BackupPlanRequest;
  /** The planner's options for a VM, computed once per (VM, quiesce wish). */
  methodPlanOf: (vmId: string, method?: BackupMethod) => MethodPlan;
  nameOf: (vmId: string) => string;
}

export interface Assignment {
  method: BackupMethod;
  isExplicit: boolean;
  isCoCaptured: boolean;
}

export interface CaptureGroup {
  method: BackupMethod;
  vmIds: string[];
  /** wsb-volume: host volumes; array-snapshot: array volumes. Empty for per-VM methods. */
  volumeIds: string[];
}

export interface VmCapture {
  vm: Vm;
  method: BackupMethod;
  option: MethodOption;
  heldDisks: VirtualDisk[];
  excludedDisks: VirtualDisk[];
  isCoCaptured: boolean;
  /** The operator chose this VM's method (not the planner, not a neighbour's volume snapshot). */
  isExplicit: boolean;
  restorePointId: string;
  scripts: VmScripts;
  /** Running (not paused, not saved, not off): scripts and guest freeze are possible. */
  isRunning: boolean;
  needsSavedState: boolean;
  expectedConsistency: PlannedVm['expectedConsistency'];
  /** Why a VM captured by a snapshot it did not choose gets its consistency (capture-notes.ts). */
  consistencyNote: string | null;
  /** What the capture leaves short of the VM, in words (capture-notes.ts). */
  shortfalls: string[];
}

export function createPlanningInput(index: InventoryIndex, request: BackupPlanRequest): PlanningInput {
  const methodPlans = new Map<string, MethodPlan>();
  return {
    index,
    request,
    methodPlanOf: (vmId, method) => {
      // Quiesce follows the method when the operator chose one between xen-snapshot and xen-quiesced.
      const quiesce = method === 'xen-snapshot' ? false : method === 'xen-quiesced' ? true : undefined;
      const key = `${vmId}|${quiesce}`;
      let plan = methodPlans.get(key);
      if (!plan) {
        // The job's own scripts count: a pre-freeze script in the job is what ARRAY-APP-NEEDS-SCRIPTS asks for.
        const scripts = request.scripts?.[vmId];
        const jobScripts = { preFreeze: Boolean(scripts?.preFreeze), postThaw: Boolean(scripts?.postThaw) };
        plan = planMethods(index, vmId, {
          consistencyPolicy: request.consistencyPolicy,
          quiesce,
          jobScripts,
        });
        methodPlans.set(key, plan);
      }
      return plan;
    },
    nameOf: (vmId) => index.vmsById.get(vmId)?.name ?? vmId,
  };
}

export const quote = (name: string) => `'${name}'`;

export function joinNames(names: string[]): string {
  if (names.length <= 1) return names.join('');
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

export function vmRef(vm: Vm): ObjectRef {
  return { kind: 'vm', id: vm.id, name: vm.name };
}

/** Whether the VM was marked gone by a sync of its host (planning leaves it out). */
export function isGone(index: InventoryIndex, vmId: string): boolean {
  return Boolean(index.vmsById.get(vmId)?.goneSince);
}
