/**
 * The catalog step: records the restore point a copy produced, with the consistency it really has
 * (lowered to crash when a quiesce step fell back or the copy measured the application torn).
 */
import path from 'node:path';
import type { StepOutcome } from '../../../db/stores/ports/operation-store';
import type { CopyResult } from '../../drivers/roles';
import type { BackupPlan, OperationPlan, PlanStep } from '../../engine/plan-types';
import { isPartialPoint } from '../../engine/restore-points';
import { isConsistencyStep } from '../../engine/step-params';
import type { Consistency, DiskChangeTracking } from '../../engine/types';
import { consistencyLabel } from '../../engine/words';
import type { ArraySnapshotResult } from './array-snapshot';
import { MINUTE, type StepHandler, type StepRun } from './context';

export const catalog: StepHandler<'catalog'> = { deadlineMs: 2 * MINUTE, run: catalogRestorePoint };

async function catalogRestorePoint(context: StepRun<'catalog'>): Promise<StepOutcome> {
  const { stores, operation, params } = context;
  const vmId = context.vmId();
  const plan = operation.planJson as unknown as OperationPlan;
  const vmName = (plan as BackupPlan).vms?.find((vm) => vm.vmId === vmId)?.vmName ?? vmId;
  const steps = await stores.operations.steps(operation.id);
  const byKey = new Map(steps.map((step) => [step.key, step]));
  const copyStep = byKey.get(params.copyStepKey);
  const copy = copyStep?.resultJson as CopyResult | undefined;
  if (!copyStep || (copyStep.status !== 'succeeded' && copyStep.status !== 'degraded') || !copy?.files) {
    throw new Error(
      `cannot catalogue the restore point of ${vmName}: its copy ("${copyStep?.title ?? params.copyStepKey}") stored no files`,
    );
  }
  // The point says it holds the planned disks: each must be among what the copy stored, whatever
  // the driver answered (a copy that left one out must not become a complete point).
  const unstored = params.heldDiskIds.filter((diskId) => !copy.files.some((file) => file.diskId === diskId));
  if (unstored.length > 0) {
    throw new Error(
      `cannot catalogue the restore point of ${vmName}: its copy ("${copyStep.title}") stored no data of ${unstored.join(', ')}`,
    );
  }

  // A co-captured VM's point always says why it is what it is (the plan's note), then what happened.
  const reasons: string[] = params.consistencyNote ? [params.consistencyNote] : [];
  // What the point is short of: the plan's shortfalls (a left-out disk, a pulled-in VM's lower
  // level), then what the run measured. A degraded step carries its own warning.
  const warnings: string[] = [...(params.shortfalls ?? [])];
  let consistency: Consistency = params.expectedConsistency;
  for (const key of params.consistencyStepKeys) {
    const step = byKey.get(key);
    if (step?.status !== 'degraded') continue;
    if (isConsistencyStep({ ...step, params: step.paramsJson } as unknown as PlanStep)) {
      consistency = 'crash';
      reasons.push(step.error ?? `fallback at ${step.title}`);
    }
  }
  // Measured beats planned: a copy whose application state is torn is crash-consistent, whatever was planned.
  if (copy.applicationState === 'torn' && consistency !== 'crash') {
    consistency = 'crash';
    reasons.push('measured: the captured application log and data disagree (torn)');
    warnings.push(
      `the point of ${vmName} was planned ${params.expectedConsistency}-consistent but its captured application is torn: it is crash-consistent`,
    );
  }
  for (const step of steps) {
    if (step.vmId === vmId && step.kind === 'post-thaw-script' && step.status === 'degraded') {
      reasons.push(`warning: ${step.error}`);
    }
  }

  const snapshotStep = steps.find(
    (step) =>
      params.snapshotId !== null &&
      ['vss-snapshot', 'xen-snapshot', 'array-snapshot'].includes(step.kind) &&
      (step.paramsJson as { snapshotId?: string }).snapshotId === params.snapshotId,
  );
  // An array snapshot taken after this VM's freeze was over (a missed fence under `fallback`).
  const lostFreeze = (snapshotStep?.resultJson as Partial<ArraySnapshotResult> | null)?.crashVmIds?.[vmId];
  const changeTracking = (snapshotStep?.resultJson as { changeTracking?: DiskChangeTracking[] } | null)
    ?.changeTracking;
  if (lostFreeze && consistency !== 'crash') {
    consistency = 'crash';
    reasons.push(lostFreeze);
  }
  // A guest that thawed itself (its freeze window ran out) before the thaw step, outside a fence.
  const thawedEarly = steps.find(
    (step) => step.vmId === vmId && step.kind === 'guest-thaw' && step.status === 'degraded',
  )?.resultJson as { thawedEarly?: string } | null | undefined;
  if (thawedEarly?.thawedEarly && consistency !== 'crash') {
    consistency = 'crash';
    reasons.push(thawedEarly.thawedEarly);
  }
  const createdAt = snapshotStep?.finishedAt ?? copyStep.startedAt ?? context.now();
  const now = context.now();
  const inserted = await stores.restorePoints.catalog({
    point: {
      id: params.restorePointId,
      vmId,
      vmName,
      operationId: operation.id,
      jobId: operation.jobId,
      method: params.method,
      consistency,
      consistencyReason: reasons.length > 0 ? reasons.join('; ') : null,
      captureState: params.captureState,
      applicationState: copy.applicationState ?? null,
      createdAt,
      hostVolumeId: params.hostVolumeId ?? null,
      arrayVolumeId: params.arrayVolumeId ?? null,
      snapshotId: params.snapshotId ?? null,
      heldDisksJson: params.heldDiskIds,
      missingDisksJson: params.missingDiskIds,
      // Only the disks this point holds; null when the method records no change tracking at all.
      changeTrackingJson:
        changeTracking?.filter((disk) => copy.files.some((file) => file.diskId === disk.diskId)) ?? null,
      isPartial: isPartialPoint({ missingDiskIds: params.missingDiskIds }),
      sizeBytes: copy.bytes,
      repositoryPath: path.dirname(copy.files[0]?.path ?? `repository/${params.restorePointId}/x`),
    },
    files: copy.files,
    operationId: operation.id,
    now,
    keptOnArray: keptOnArrayOf(params, snapshotStep),
  });
  context.log(
    inserted ? 'info' : 'warn',
    inserted
      ? `restore point of ${vmName}: ${consistencyLabel(consistency, params.captureState)}${reasons.length ? ` (${reasons.join('; ')})` : ''}`
      : `the restore point of ${vmName} was already catalogued (resumed step)`,
  );
  return {
    status: 'succeeded',
    result: { restorePointId: params.restorePointId, consistency },
    ...(warnings.length > 0 ? { warning: warnings.join('; ') } : {}),
  };
}

/**
 * A backup that keeps its array snapshot: the point is kept on the array under the engine's
 * snapshot id (what the array drivers release, revert and clone by) and the array's name for it.
 */
function keptOnArrayOf(
  params: StepRun<'catalog'>['params'],
  snapshotStep: { kind: string; resultJson: unknown } | undefined,
): { snapshotRef: string; snapshotName: string } | null {
  if (!params.keepsArraySnapshot || !params.snapshotId || snapshotStep?.kind !== 'array-snapshot')
    return null;
  const name = (snapshotStep.resultJson as Partial<ArraySnapshotResult> | null)?.arraySnapshotName;
  return { snapshotRef: params.snapshotId, snapshotName: name ?? params.snapshotId };
}
