/**
 * Backup plans (docs/domain.md §7, issue 3 §1): a backup request becomes the ordered steps the runner
 * executes, the consistency expected for every VM, and the findings that make it runnable or not.
 *
 * A request is resolved in stages (backup-stages/):
 * 1. Scope → VMs: the listed VMs, or every VM with a disk on the host volume / array volume.
 * 2. Method per VM: the one requested, else the planner's recommendation.
 * 3. Capture groups: what one snapshot covers (one VM, or whole volumes with every VM on them).
 * 4. Assessment: per captured VM, the disks held, the consistency expected and the findings; then
 *    the words its point will carry (why a co-captured VM's consistency is what it is, what the
 *    capture leaves short of the VM).
 * 5. Steps per method, each cleanup right after the step whose side effect it undoes.
 * Then the locks the operation takes.
 */
import { assessCaptures, captureVms } from './backup-stages/assessment';
import { formCaptureGroups } from './backup-stages/capture-groups';
import { annotateCaptures } from './backup-stages/capture-notes';
import {
  type BackupPlanContext,
  type BackupPlanRequest,
  type CaptureGroup,
  createPlanningInput,
  type PlanningInput,
  type Verdict,
  type VmCapture,
} from './backup-stages/model';
import { assignMethods, checkChoicesInScope, resolveScope } from './backup-stages/scope';
import { buildBackupSteps } from './backup-stages/steps';
import type { InventoryIndex } from './inventory';
import {
  type BackupPlan,
  lockKeyForArrayVolume,
  lockKeyForHostVolume,
  lockKeyForVm,
  type PlannedVm,
} from './plan-types';
import { checkpointFindings } from './rules/xen-checkpoint';

export type {
  BackupPlanContext,
  BackupPlanRequest,
  BackupScope,
  VmScripts,
} from './backup-stages/model';
export { GUEST_FREEZE_TIMEOUT_MS } from './backup-stages/steps';

/**
 * What the operation locks. Per-VM methods lock only their VM: two hyperv-vss backups of VMs
 * sharing a volume may run together. Volume snapshots lock their volumes, so they never overlap a
 * revert of the volume.
 */
function locksOf(
  input: PlanningInput,
  lockedVmIds: Iterable<string>,
  groups: CaptureGroup[],
): Pick<BackupPlan, 'lockKeys' | 'hostIds' | 'arrayIds'> {
  const { index } = input;
  const vmIds = new Set(lockedVmIds);
  const hostVolumeIds = new Set<string>();
  const arrayVolumeIds = new Set<string>();
  for (const group of groups) {
    if (group.method === 'wsb-volume') for (const id of group.volumeIds) hostVolumeIds.add(id);
    if (group.method === 'array-snapshot') {
      for (const id of group.volumeIds) arrayVolumeIds.add(id);
      for (const hv of index.inventory.hostVolumes) {
        if (hv.arrayVolumeId && group.volumeIds.includes(hv.arrayVolumeId)) hostVolumeIds.add(hv.id);
      }
    }
  }
  const hostIds = new Set<string>();
  for (const vmId of vmIds) {
    const hostId = index.vmsById.get(vmId)?.hostId;
    if (hostId) hostIds.add(hostId);
  }
  const arrayIds = new Set<string>();
  for (const id of arrayVolumeIds) {
    const arrayId = index.arrayVolumesById.get(id)?.arrayId;
    if (arrayId) arrayIds.add(arrayId);
  }
  return {
    lockKeys: [
      ...[...vmIds].sort().map(lockKeyForVm),
      ...[...hostVolumeIds].sort().map(lockKeyForHostVolume),
      ...[...arrayVolumeIds].sort().map(lockKeyForArrayVolume),
    ],
    hostIds: [...hostIds].sort(),
    arrayIds: [...arrayIds].sort(),
  };
}

function plannedVmOf(capture: VmCapture): PlannedVm {
  return {
    vmId: capture.vm.id,
    vmName: capture.vm.name,
    method: capture.method,
    expectedConsistency: capture.expectedConsistency,
    excludedDiskIds: capture.excludedDisks.map((disk) => disk.id),
    excludedDiskNames: capture.excludedDisks.map((disk) => disk.name),
    captureState: capture.option.captureState,
    isCoCaptured: capture.isCoCaptured,
    restorePointId: capture.restorePointId,
    consistencyNote: capture.consistencyNote,
    shortfalls: capture.shortfalls,
  };
}

/**
 * The VMs that get a memory checkpoint when the job keeps them: every captured VM the
 * XS-CHECKPOINT-* rules do not rule out; those they do are said in the plan (warnings) and back up
 * without one.
 */
function checkpointVms(
  input: PlanningInput,
  captures: Map<string, VmCapture>,
  verdict: Verdict,
): Set<string> {
  const vmIds = new Set<string>();
  if (!input.request.keepMemoryCheckpoint) return vmIds;
  for (const capture of captures.values()) {
    const findings = checkpointFindings(input.index, capture.vm.id, capture.method);
    verdict.findings.push(...findings);
    if (findings.length === 0) vmIds.add(capture.vm.id);
  }
  return vmIds;
}

/**
 * A backup that could not be planned at all (a job's saved request that no longer validates):
 * blocked, saying why, so a scheduled run that never started is recorded failed like any blocked
 * plan, not only logged.
 */
export function unplannableBackup(reason: string): BackupPlan {
  return {
    kind: 'backup',
    vms: [],
    steps: [],
    findings: [],
    isRunnable: false,
    blockedReasons: [reason],
    lockKeys: [],
    hostIds: [],
    arrayIds: [],
  };
}

export function planBackup(
  index: InventoryIndex,
  request: BackupPlanRequest,
  context: BackupPlanContext,
): BackupPlan {
  const input = createPlanningInput(index, request);
  const verdict: Verdict = { blockedReasons: [], findings: [] };
  const scopeVmIds = resolveScope(index, request.scope, verdict, context.lastKnownVmNames);
  checkChoicesInScope(input, scopeVmIds, verdict);
  const assignments = assignMethods(input, scopeVmIds, verdict);
  const groups = formCaptureGroups(input, scopeVmIds, assignments, verdict);
  const captures = captureVms(input, groups, assignments, context, verdict);
  assessCaptures(input, captures, verdict);
  annotateCaptures(input, groups, captures);
  const steps = buildBackupSteps(input, groups, captures, context, checkpointVms(input, captures, verdict));

  const uniqueReasons = [...new Set(verdict.blockedReasons)];
  return {
    kind: 'backup',
    vms: [...captures.values()].map(plannedVmOf),
    steps,
    findings: verdict.findings,
    isRunnable: uniqueReasons.length === 0 && steps.length > 0,
    blockedReasons: uniqueReasons.length === 0 && steps.length === 0 ? ['Nothing to back up'] : uniqueReasons,
    ...locksOf(input, assignments.keys(), groups),
  };
}
