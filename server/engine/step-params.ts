/**
 * Typed parameters of every plan step kind: the contract between the planners (backup-plan,
 * restore-plan), which write them, and the runner (server/jobs), which reads them back from
 * the database and calls the Driver.
 *
 * `PlanStep.params` is stored as JSON; `readStepParams` gives it back typed and fails loudly
 * (naming the step and the missing field) when a stored plan does not match this contract,
 * instead of letting a driver call run with `undefined`.
 *
 * Failure semantics the runner follows, recorded in the params where they vary per plan:
 * - `consistencyPolicy` on pre-freeze-script, guest-freeze and quiesced snapshot steps:
 *   `require` → the step fails and the VMs it serves fail; `fallback` → the step is recorded as
 *   degraded (the reason in its log), the operation continues and the affected points are
 *   catalogued crash-consistent with that reason. A quiesced snapshot under `fallback` is
 *   retried once with `isQuiesced: false`.
 * - Steps with `undoes` are cleanup: they run when the step they undo has started, even when
 *   the operation failed or was cancelled.
 */
import type { SnapshotScope, VolumeRef } from './driver';
import type { PowerState } from './inventory';
import type { ConsistencyPolicy, PlanStep, ScriptSpec, StepKind } from './plan-types';
import type { NewVmPlacement } from './restore-stages/new-vm';
import type { BackupMethod, CaptureState, Consistency } from './types';

export interface RetentionPolicy {
  keepLast: number;
  daily: number;
  weekly: number;
  monthly: number;
}

export type SnapshotStepParams = {
  snapshotId: string;
  scope: SnapshotScope;
  /** Disks whose data the snapshot holds; the copy steps read from these. */
  diskIds: string[];
  /** VMs captured by this snapshot (one for hyperv-vss/xen, every VM on the volume otherwise). */
  vmIds: string[];
  isQuiesced: boolean;
  consistencyPolicy: ConsistencyPolicy;
};

/**
 * A restore's data step from a partial point: what it cannot bring back, in words (the plan's
 * RESTORE-POINT-PARTIAL message). The runner records it as the step's warning when the step
 * succeeds. Absent for a complete point, and in older plans.
 */
type RestoreShortfall = { shortfall?: string };

export type StepParamsByKind = {
  // ---- backup ----
  /**
   * Re-checks at run time what the plan assumed (VM exists, power state for the capture state).
   * `expectedPowerState`: the state the plan was made for, which the VM must still be in: a
   * saved-state capture of a VM already saved takes no saved state of its own, so the same capture
   * of a VM found running would copy it live, unquiesced. Absent in older plans (then only running
   * or not is checked).
   */
  check: { method: BackupMethod; expectedCaptureState: CaptureState; expectedPowerState?: PowerState };
  'pre-freeze-script': { script: ScriptSpec; consistencyPolicy: ConsistencyPolicy };
  'save-state': Record<string, never>;
  'guest-freeze': { timeoutMs: number; consistencyPolicy: ConsistencyPolicy };
  'flush-host-io': { hostVolumeId: string };
  'vss-snapshot': SnapshotStepParams;
  'xen-snapshot': SnapshotStepParams;
  'array-snapshot': SnapshotStepParams;
  'guest-thaw': Record<string, never>;
  /** A failing post-thaw script is logged as a warning on the point; it cannot undo the capture. */
  'post-thaw-script': { script: ScriptSpec };
  resume: Record<string, never>;
  'copy-to-repository': { snapshotId: string; restorePointId: string; diskIds: string[] };
  /**
   * `keptForPointIds` (a backup that keeps its array snapshot): the snapshot stays on the array
   * when any of these points was catalogued as kept on it; released otherwise (the capture failed
   * or was cancelled before a point held it). Absent: always released.
   */
  'release-snapshot': { snapshotId: string; keptForPointIds?: string[] };
  'agent-copy': { restorePointId: string; diskIds: string[] };
  catalog: {
    restorePointId: string;
    method: BackupMethod;
    /** What the plan expects; the runner lowers it to `crash` when a consistency step fell back. */
    expectedConsistency: Consistency;
    captureState: CaptureState;
    heldDiskIds: string[];
    /** Disks the method left out (pass-through under the `skip` policy). */
    missingDiskIds: string[];
    hostVolumeId: string | null;
    arrayVolumeId: string | null;
    /** Snapshot the point was copied from; points sharing it were captured together. Null for guest-agent. */
    snapshotId: string | null;
    /** The step whose result (bytes, files) the point records. */
    copyStepKey: string;
    /** Steps whose fallback lowers this point's consistency (its scripts, freeze, quiesced snapshot). */
    consistencyStepKeys: string[];
    consistencyPolicy: ConsistencyPolicy;
    /** Why a co-captured VM gets its consistency (written on the point); absent in older plans. */
    consistencyNote?: string | null;
    /** What the capture leaves short of the VM, in words: the step's warning; absent in older plans. */
    shortfalls?: string[];
    /** The backup keeps the array snapshot: the point is catalogued as kept on the array. */
    keepsArraySnapshot?: boolean;
  };
  /**
   * VM.checkpoint of the step's VM (disks + RAM), kept on its pool as a pool-snapshot point marked as
   * including memory, of the job (its retention prunes older ones). Named `checkpointName` on the pool.
   */
  'xen-checkpoint': { vmName: string; checkpointName: string; jobId: string | null };
  /** Applies the job's GFS policy to the job's points of `vmIds` (see retention.ts). */
  'apply-retention': { jobId: string; policy: RetentionPolicy; timeZone: string; vmIds: string[] };

  // ---- restore ----
  'verify-point': { restorePointIds: string[] };
  /** Fails unless every VM listed is off (or saved); in-place restores never touch a running VM. */
  'power-off-check': { vmIds: string[] };
  'restore-disks': RestoreShortfall & {
    restorePointId: string;
    target: 'in-place' | 'as-new';
    newVmName: string | null;
    /** As-new: the VM created (its disks on the chosen volume), added to the inventory afterwards. */
    newVm?: NewVmPlacement;
  };
  'revert-volume': RestoreShortfall & {
    volume: VolumeRef;
    restorePointIds: string[];
    vmIds: string[];
    /** The other LUNs of the volume's consistency group, reverted with it; absent outside a group. */
    groupVolumeIds?: string[];
    /**
     * The host volumes on the reverted volume when the revert was confirmed (a LUN may hold several).
     * With `vmIds`, what the step compares with the inventory before it touches anything: anything
     * added since refuses the revert. Absent in older plans (then only the VMs are compared).
     */
    hostVolumeIds?: string[];
    /**
     * The running VMs the operator acknowledged the revert stops. Any other VM found running when
     * the step starts (the stored state was stale) stops the revert before it touches anything.
     */
    stoppableVmIds?: string[];
  };
  'stage-volume': {
    stagingId: string;
    volume: VolumeRef;
    restorePointIds: string[];
    /** The other LUNs of the volume's consistency group, staged with it; absent outside a group. */
    groupVolumeIds?: string[];
  };
  'copy-out-vm': RestoreShortfall & {
    stagingId: string;
    restorePointId: string;
    target: 'in-place' | 'as-new';
    newVmName: string | null;
  };
  'discard-staging': { stagingId: string };
  /** VM.revert of the VM to a snapshot kept on its pool (a point of location `pool-snapshot`). */
  'revert-pool-snapshot': RestoreShortfall & { restorePointId: string; snapshotId: string };
  /**
   * After a revert: the VM takes the power state it had when the snapshot was taken (a snapshot of
   * a running VM is started again, as XenCenter and XO do); read from the snapshot at run time.
   */
  'restore-power-state': { restorePointId: string; snapshotId: string };
  /**
   * Restore as new from a snapshot kept on the pool: the pool copies the snapshot into a new VM
   * (VM.copy, the disks full copies on `srId`, or each on its own SR when null), verified and
   * powered as asked. The snapshot and its VM are not touched.
   */
  'copy-pool-snapshot': RestoreShortfall & {
    restorePointId: string;
    snapshotId: string;
    newVmName: string;
    srId: string | null;
    powerOn: boolean;
    /** The new VM as the inventory lists it, when the inventory could still describe it. */
    newVm?: NewVmPlacement;
  };
  /** Re-hashes what the restore wrote (the driver's `verified`) for the listed steps. */
  'verify-restored': { restoreStepKeys: string[] };
  /** Deletes the catalogue entries and data of points the revert made meaningless. */
  'discard-newer-points': { restorePointIds: string[] };

  // ---- stored points ----
  /** Deletes one point's data, then its catalogue row; `reason` is recorded with the deletion. */
  'delete-point': { restorePointId: string; reason: string };
};

/** A plan step whose params are typed by its kind. Assignable to PlanStep. */
export type TypedPlanStep<K extends StepKind = StepKind> = {
  [Kind in K]: Omit<PlanStep, 'kind' | 'params'> & { kind: Kind; params: StepParamsByKind[Kind] };
}[K];

/** Fields the runner cannot do without, per kind; checked when reading params back from storage. */
const REQUIRED_PARAM_KEYS: { [K in StepKind]: (keyof StepParamsByKind[K])[] } = {
  check: ['method', 'expectedCaptureState'],
  'pre-freeze-script': ['script', 'consistencyPolicy'],
  'save-state': [],
  'guest-freeze': ['timeoutMs', 'consistencyPolicy'],
  'flush-host-io': ['hostVolumeId'],
  'vss-snapshot': ['snapshotId', 'scope', 'diskIds', 'vmIds', 'isQuiesced', 'consistencyPolicy'],
  'xen-snapshot': ['snapshotId', 'scope', 'diskIds', 'vmIds', 'isQuiesced', 'consistencyPolicy'],
  'array-snapshot': ['snapshotId', 'scope', 'diskIds', 'vmIds', 'isQuiesced', 'consistencyPolicy'],
  'guest-thaw': [],
  'post-thaw-script': ['script'],
  resume: [],
  'copy-to-repository': ['snapshotId', 'restorePointId', 'diskIds'],
  'release-snapshot': ['snapshotId'],
  'agent-copy': ['restorePointId', 'diskIds'],
  catalog: [
    'restorePointId',
    'method',
    'expectedConsistency',
    'captureState',
    'heldDiskIds',
    'missingDiskIds',
    'copyStepKey',
    'consistencyStepKeys',
    'consistencyPolicy',
  ],
  'xen-checkpoint': ['vmName', 'checkpointName'],
  'apply-retention': ['jobId', 'policy', 'timeZone', 'vmIds'],
  'verify-point': ['restorePointIds'],
  'power-off-check': ['vmIds'],
  'restore-disks': ['restorePointId', 'target'],
  'revert-volume': ['volume', 'restorePointIds', 'vmIds'],
  'stage-volume': ['stagingId', 'volume', 'restorePointIds'],
  'copy-out-vm': ['stagingId', 'restorePointId', 'target'],
  'discard-staging': ['stagingId'],
  'revert-pool-snapshot': ['restorePointId', 'snapshotId'],
  'restore-power-state': ['restorePointId', 'snapshotId'],
  'copy-pool-snapshot': ['restorePointId', 'snapshotId', 'newVmName', 'powerOn'],
  'verify-restored': ['restoreStepKeys'],
  'discard-newer-points': ['restorePointIds'],
  'delete-point': ['restorePointId', 'reason'],
};

/** Builds a step with params checked by the compiler against its kind. */
export function makeStep<K extends StepKind>(
  step: Omit<PlanStep, 'kind' | 'params'> & { kind: K; params: StepParamsByKind[K] },
): PlanStep {
  return step as PlanStep;
}

/**
 * The params of `step`, typed for `kind`. Throws when the step is of another kind or a
 * required field is missing (a stored plan from an incompatible version, or a hand-edited row).
 */
export function readStepParams<K extends StepKind>(step: PlanStep, kind: K): StepParamsByKind[K] {
  if (step.kind !== kind) {
    throw new Error(`Step "${step.key}" is a ${step.kind} step, not ${kind}`);
  }
  const params = step.params ?? {};
  const missing = (REQUIRED_PARAM_KEYS[kind] as string[]).filter((field) => params[field] === undefined);
  if (missing.length > 0) {
    throw new Error(`Step "${step.key}" (${kind}) is missing parameter(s): ${missing.join(', ')}`);
  }
  return params as StepParamsByKind[K];
}

/** Narrowing guard: `if (isStepOfKind(step, 'catalog')) step.params.restorePointId`. */
export function isStepOfKind<K extends StepKind>(
  step: PlanStep,
  kind: K,
): step is PlanStep & TypedPlanStep<K> {
  return step.kind === kind;
}

/** Kinds whose failure the job's consistency policy may turn into a recorded fallback. */
const CONSISTENCY_STEP_KINDS: ReadonlySet<StepKind> = new Set([
  'pre-freeze-script',
  'guest-freeze',
  'vss-snapshot',
  'xen-snapshot',
]);

export function isConsistencyStep(step: PlanStep): boolean {
  if (!CONSISTENCY_STEP_KINDS.has(step.kind)) return false;
  // An unquiesced snapshot has nothing to fall back from: its failure is a plain failure.
  if (step.kind === 'vss-snapshot' || step.kind === 'xen-snapshot') return step.params.isQuiesced === true;
  return true;
}

export function isCleanupStep(step: PlanStep): boolean {
  return step.undoes !== null;
}

/**
 * The cleanup steps still owed after a failure or cancel: those whose undone step has started
 * (its side effect may exist), in plan order, skipping cleanups already finished.
 */
export function selectOwedCleanupSteps(
  steps: PlanStep[],
  startedKeys: ReadonlySet<string>,
  finishedKeys: ReadonlySet<string>,
): PlanStep[] {
  return steps.filter(
    (step) => step.undoes !== null && startedKeys.has(step.undoes) && !finishedKeys.has(step.key),
  );
}
