/**
 * Restore plans and their blast radius (docs/domain.md §8, issue 3 §1).
 *
 * `planRestore` turns a restore point and a mode into the steps the runner executes, and says
 * before anything runs what the restore will destroy: the other VMs a volume revert rolls back
 * (and how much of their work is lost), the newer points a revert discards, a missing
 * pass-through disk, a crash-consistent point. Destructive modes require the operator to type
 * the name of what they destroy; without it the plan is not runnable.
 *
 * Stages (restore-stages/): the subject (facts resolved once), the request and point checks, the
 * blast radius, the steps (one builder per mode), the confirmation, then the locks.
 */
import type { InventoryIndex } from './inventory';
import {
  lockKeyForArrayVolume,
  lockKeyForHostVolume,
  lockKeyForPoint,
  lockKeyForVm,
  type RestorePlan,
} from './plan-types';
import type { RestorePointSummary } from './restore-points';
import { assessBlastRadius } from './restore-stages/blast-radius';
import { assessPoint, checkConfirmation, checkRequest, confirmationFor } from './restore-stages/checks';
import {
  type BlastRadius,
  type RestorePlanContext,
  type RestorePlanRequest,
  type RestoreSubject,
  resolveSubject,
  type Verdict,
} from './restore-stages/model';
import { placeNewVm } from './restore-stages/new-vm';
import { replacedVmNote } from './restore-stages/replaced-vm';
import { buildRestoreSteps } from './restore-stages/steps';

export { formatDuration } from './restore-stages/blast-radius';
export { confirmationRefusal, isConfirmationValid } from './restore-stages/checks';
export type { RestorePlanContext, RestorePlanRequest } from './restore-stages/model';

/**
 * The VMs, volumes, hosts and arrays the restore locks or acts on, and the stored points it reads
 * or discards (`point:<id>`): an operator's delete or verify of one of them waits for the restore,
 * and a restore queued behind such a delete waits for it (point-plan.ts).
 */
function locksOf(
  subject: RestoreSubject,
  radius: BlastRadius,
  readPointIds: string[],
): Pick<RestorePlan, 'lockKeys' | 'hostIds' | 'arrayIds'> {
  const { index, point } = subject;
  const hostIds = new Set<string>();
  const arrayIds = new Set<string>();
  const arrayVolumeIds = new Set(radius.arrayVolumeIds);
  for (const vmId of radius.lockedVmIds) {
    const hostId = index.vmsById.get(vmId)?.hostId;
    if (hostId) hostIds.add(hostId);
  }
  if (point.hostVolumeId) {
    const hostId = index.hostVolumesById.get(point.hostVolumeId)?.hostId;
    if (hostId) hostIds.add(hostId);
  }
  for (const id of radius.hostVolumeIds) {
    const arrayVolumeId = index.hostVolumesById.get(id)?.arrayVolumeId;
    if (arrayVolumeId) arrayVolumeIds.add(arrayVolumeId);
  }
  for (const id of arrayVolumeIds) {
    const arrayId = index.arrayVolumesById.get(id)?.arrayId;
    if (arrayId) arrayIds.add(arrayId);
  }
  return {
    lockKeys: [
      ...[...radius.lockedVmIds].sort().map(lockKeyForVm),
      ...[...radius.hostVolumeIds].sort().map(lockKeyForHostVolume),
      ...[...arrayVolumeIds].sort().map(lockKeyForArrayVolume),
      ...[...new Set([point.id, ...readPointIds, ...radius.discardedPointIds])].sort().map(lockKeyForPoint),
    ],
    hostIds: [...hostIds].sort(),
    arrayIds: [...arrayIds].sort(),
  };
}

/** Every point a step of the plan reads (the verify step lists them all). */
function pointIdsReadBy(steps: RestorePlan['steps']): string[] {
  return steps.flatMap((step) => {
    const params = step.params as { restorePointId?: string; restorePointIds?: string[] };
    return [...(params.restorePointIds ?? []), ...(params.restorePointId ? [params.restorePointId] : [])];
  });
}

export function planRestore(
  index: InventoryIndex,
  point: RestorePointSummary,
  request: RestorePlanRequest,
  context: RestorePlanContext,
): RestorePlan {
  const verdict: Verdict = { blockedReasons: [], findings: [] };
  const subject = resolveSubject(index, point, request, context);
  checkRequest(subject, verdict);
  const newVm = placeNewVm(
    index,
    { vm: subject.vm, heldDiskIds: point.heldDiskIds, newVmName: subject.newVmName },
    request,
    context,
    verdict,
  );
  assessPoint(subject, verdict);
  const radius = assessBlastRadius(subject, context, verdict);
  // What the operator was warned the restore cannot bring back is what its data steps warn of when
  // they succeed: the review and the outcome read one sentence.
  const shortfall = verdict.findings.find((finding) => finding.ruleId === 'RESTORE-POINT-PARTIAL');
  const steps = buildRestoreSteps(subject, radius.discardedPointIds, context, newVm, shortfall?.message);
  const confirmationText = confirmationFor(subject);
  checkConfirmation(subject, confirmationText, verdict);
  for (const finding of verdict.findings) {
    if (finding.severity === 'blocker') verdict.blockedReasons.push(finding.message);
  }
  return {
    kind: 'restore',
    restorePointId: point.id,
    mode: request.mode,
    vmId: point.vmId,
    vmName: point.vmName,
    pointCreatedAt: point.createdAt.toISOString(),
    steps,
    findings: verdict.findings,
    collateral: radius.collateral,
    discardedPointIds: radius.discardedPointIds,
    isRunnable: verdict.blockedReasons.length === 0,
    blockedReasons: [...new Set(verdict.blockedReasons)],
    ...locksOf(subject, radius, pointIdsReadBy(steps)),
    confirmationText,
    confirmationNote: confirmationText !== null && subject.replacesVm ? replacedVmNote(subject) : null,
    stoppedVms: radius.stoppedVms,
  };
}
