/**
 * Operation plans (docs/domain.md §7–§8): what the runner executes, step by step.
 *
 * A plan is a pure value built by the engine from inventory + request. Every step has a stable
 * `key` (unique within its operation) so that a finished step is never run twice after a
 * restart. Steps that undo a side effect name it in `undoes`; they run even when the operation
 * fails or is cancelled (thaw after freeze, resume after saved state, release after snapshot).
 */
import type { BackupMethod, CaptureState, Consistency, Finding } from './types';

export const CONSISTENCY_POLICIES = ['require', 'fallback'] as const;
export type ConsistencyPolicy = (typeof CONSISTENCY_POLICIES)[number];

export const PASSTHROUGH_POLICIES = ['skip', 'fail'] as const;
export type PassthroughPolicy = (typeof PASSTHROUGH_POLICIES)[number];

export const RESTORE_MODES = ['in-place', 'as-new', 'snapshot-revert', 'volume-revert', 'staged'] as const;
export type RestoreMode = (typeof RESTORE_MODES)[number];

export const STEP_KINDS = [
  // backup
  'check',
  'pre-freeze-script',
  'save-state',
  'guest-freeze',
  'flush-host-io',
  'vss-snapshot',
  'xen-snapshot',
  'array-snapshot',
  'guest-thaw',
  'post-thaw-script',
  'resume',
  'copy-to-repository',
  'release-snapshot',
  'catalog',
  'xen-checkpoint',
  'apply-retention',
  'agent-copy',
  // restore
  'verify-point',
  'power-off-check',
  'restore-disks',
  'revert-volume',
  'revert-pool-snapshot',
  'restore-power-state',
  'copy-pool-snapshot',
  'stage-volume',
  'copy-out-vm',
  'discard-staging',
  'verify-restored',
  'discard-newer-points',
  // stored restore points (an operator's delete; verify reuses 'verify-point')
  'delete-point',
] as const;
export type StepKind = (typeof STEP_KINDS)[number];

export interface ScriptSpec {
  /** Command line run inside the guest; exit code 0 = success. */
  command: string;
  timeoutSeconds: number;
}

export interface PlanStep {
  /** Stable within the operation, e.g. "vm:sql01:guest-freeze". */
  key: string;
  kind: StepKind;
  title: string;
  vmId: string | null;
  hostVolumeId: string | null;
  arrayVolumeId: string | null;
  /** Key of the step whose side effect this cleanup step undoes; it runs even on failure/cancel. */
  undoes: string | null;
  /** Step-specific parameters (script, timeout, snapshot id, restore target...). JSON-serialisable. */
  params: Record<string, unknown>;
}

export interface PlannedVm {
  vmId: string;
  vmName: string;
  method: BackupMethod;
  expectedConsistency: Consistency;
  /** Disks the method leaves out (pass-through). */
  excludedDiskIds: string[];
  /** Their names, in the same order: what the review and the outcome show. Absent in older plans. */
  excludedDiskNames?: string[];
  captureState: CaptureState;
  /** Not asked for, but on a volume the snapshot captures: it gets its own point (and downtime, if saved). */
  isCoCaptured: boolean;
  /** Id of the restore point the plan will catalogue for this VM (chosen at plan time, stable across retries). */
  restorePointId: string;
  /** Why a VM captured by a snapshot it did not choose gets its consistency; null for its own choice. Absent in older plans. */
  consistencyNote?: string | null;
  /** What the capture leaves short of the VM (a disk left out, a consistency below its own method), in words. */
  shortfalls?: string[];
}

export interface BackupPlan {
  kind: 'backup';
  vms: PlannedVm[];
  steps: PlanStep[];
  findings: Finding[];
  /** False when any blocker is present; `blockedReasons` says why. */
  isRunnable: boolean;
  blockedReasons: string[];
  /** Objects the operation must lock (VMs, host volumes, array volumes). */
  lockKeys: string[];
  hostIds: string[];
  arrayIds: string[];
}

export interface CollateralVm {
  vmId: string;
  vmName: string;
  /** Milliseconds of that VM's changes that the revert would discard (now − point time). */
  dataLossMs: number;
}

export interface RestorePlan {
  kind: 'restore';
  restorePointId: string;
  mode: RestoreMode;
  vmId: string;
  /**
   * The point's VM name when captured and when the point was taken (ISO), to name it to an
   * operator; absent on plans stored before they were recorded.
   */
  vmName?: string;
  pointCreatedAt?: string;
  steps: PlanStep[];
  findings: Finding[];
  collateral: CollateralVm[];
  /** Restore point ids that a revert would discard. */
  discardedPointIds: string[];
  isRunnable: boolean;
  blockedReasons: string[];
  lockKeys: string[];
  hostIds: string[];
  arrayIds: string[];
  /** The typed confirmation a destructive mode requires (volume or VM name); null when none. */
  confirmationText: string | null;
  /**
   * Why the confirmation names more than the VM: another VM of its host has its name, and the
   * text carries the VM's id on its hypervisor, said here with where to read it. Null otherwise;
   * absent on plans stored before it was recorded.
   */
  confirmationNote?: string | null;
  /** Running VMs a volume revert stops and leaves off; each must be acknowledged to run. */
  stoppedVms: { vmId: string; vmName: string }[];
}

/**
 * An operator's verify or delete of one stored restore point (point-plan.ts). It locks the point
 * (`point:<id>`), as every restore reading or discarding that point does, so admission never runs
 * a delete beside a restore of the same point: whichever was queued second waits.
 */
export type PointPlan = PointPlanFields & ({ kind: 'verify-point' } | { kind: 'delete-point' });

interface PointPlanFields {
  restorePointId: string;
  vmId: string;
  vmName: string;
  /** When the point was taken (ISO), to name it to an operator. */
  pointCreatedAt: string;
  steps: PlanStep[];
  findings: Finding[];
  isRunnable: boolean;
  blockedReasons: string[];
  lockKeys: string[];
  hostIds: string[];
  arrayIds: string[];
}

export type OperationPlan = BackupPlan | RestorePlan | PointPlan;

/** The names of the disks the VM's capture leaves out; a plan made before names were kept gives ids. */
export function excludedDiskNamesOf(vm: Pick<PlannedVm, 'excludedDiskIds' | 'excludedDiskNames'>): string[] {
  return vm.excludedDiskNames ?? vm.excludedDiskIds;
}

export function lockKeyForVm(vmId: string): string {
  return `vm:${vmId}`;
}
export function lockKeyForHostVolume(hostVolumeId: string): string {
  return `host-volume:${hostVolumeId}`;
}
export function lockKeyForArrayVolume(arrayVolumeId: string): string {
  return `array-volume:${arrayVolumeId}`;
}
/** Held by whatever reads or removes a stored point: restores from it, its verify and its delete. */
export function lockKeyForPoint(restorePointId: string): string {
  return `point:${restorePointId}`;
}
/**
 * Held by the delete of a point kept on the array: the points of one capture share its array
 * snapshot, and two deletes of them run one after the other, so the second sees itself the last
 * holder and destroys the snapshot (kept-snapshots.ts).
 */
export function lockKeyForKeptSnapshot(snapshotId: string): string {
  return `array-snapshot:${snapshotId}`;
}
