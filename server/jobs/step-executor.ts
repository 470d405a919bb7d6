/**
 * What each step kind does: one or two Driver calls, or (catalog, retention, discarding points)
 * idempotent database work. Runs outside every transaction; the worker records the outcome.
 *
 * Consistency policy (step-params.ts): when a quiesce step (pre-freeze script, guest freeze,
 * quiesced snapshot) fails with a quiesce fault, `fallback` turns the failure into a `degraded`
 * step whose reason the catalog step writes on the points ("fallback: freeze of sql01 timed out
 * after 60 s"); `require` fails the VMs the step serves.
 */
import path from 'node:path';
import type { Stores } from '../../db/stores/ports';
import type { OperationRecord, StepOutcome, StepRecord } from '../../db/stores/ports/operation-store';
import {
  type CopyResult,
  type Driver,
  DriverError,
  isDriverError,
  type RestoreResult,
} from '../engine/driver';
import type { BackupPlan, OperationPlan, PlanStep } from '../engine/plan-types';
import { selectPointsToPrune } from '../engine/retention';
import { isConsistencyStep, readStepParams, type SnapshotStepParams } from '../engine/step-params';
import type { Consistency } from '../engine/types';

/** The stores a step may touch: its operation's steps, and the restore point catalogue. */
export type StepStores = Pick<Stores, 'operations' | 'restorePoints'>;

export interface StepContext {
  stores: StepStores;
  driver: Driver;
  operation: OperationRecord;
  step: StepRecord;
  planStep: PlanStep;
  signal: AbortSignal;
  onProgress: (bytesDone: number, bytesTotal?: number) => void;
  log: (level: 'info' | 'warn' | 'error', message: string) => void;
  now: () => Date;
}

/** Faults that mean "the guest could not be quiesced": what a fallback policy may absorb. */
const QUIESCE_FAULTS = new Set(['vss-writer-timeout', 'freeze-timeout', 'script-failed']);

export async function executeStep(context: StepContext): Promise<StepOutcome> {
  const { planStep } = context;
  try {
    return await runStep(context);
  } catch (error) {
    if (context.signal.aborted && !isDriverError(error)) return { status: 'cancelled' };
    if (isConsistencyStep(planStep) && isDriverError(error) && QUIESCE_FAULTS.has(error.faultCode)) {
      const policy = (planStep.params as { consistencyPolicy?: string }).consistencyPolicy;
      if (policy === 'fallback') return { status: 'degraded', reason: `fallback: ${error.message}` };
      return { status: 'failed', error, failedVmIds: servedVmIds(planStep) };
    }
    return { status: 'failed', error, failedVmIds: planStep.vmId ? [planStep.vmId] : undefined };
  }
}

function servedVmIds(step: PlanStep): string[] | undefined {
  const vmIds = (step.params as Partial<SnapshotStepParams>).vmIds;
  if (Array.isArray(vmIds) && vmIds.length > 0) return vmIds;
  return step.vmId ? [step.vmId] : undefined;
}

function requireVm(step: PlanStep): string {
  if (!step.vmId) throw new Error(`step "${step.key}" (${step.kind}) names no VM`);
  return step.vmId;
}

function copied(result: CopyResult | RestoreResult): StepOutcome {
  return { status: 'succeeded', bytes: result.bytes, result: { ...result } };
}

async function runStep(context: StepContext): Promise<StepOutcome> {
  const { driver, planStep: step, signal, onProgress } = context;
  const copyOptions = { signal, onProgress };
  switch (step.kind) {
    case 'check': {
      const params = readStepParams(step, 'check');
      const vmId = requireVm(step);
      const power = await driver.getPowerState(vmId);
      const needsRunning = params.expectedCaptureState !== 'offline';
      const isRunning = power === 'running';
      if (needsRunning !== isRunning) {
        throw new DriverError(
          'invalid-state',
          `the plan expected a ${params.expectedCaptureState} capture but the VM is ${power}; preview the backup again`,
          { isRetryable: false },
        );
      }
      context.log('info', `VM is ${power}; ${params.method} capture ${params.expectedCaptureState}`);
      return { status: 'succeeded' };
    }
    case 'pre-freeze-script': {
      const { script } = readStepParams(step, 'pre-freeze-script');
      const result = await driver.runGuestScript(requireVm(step), {
        command: script.command,
        timeoutMs: script.timeoutSeconds * 1000,
      });
      if (result.output) context.log('info', result.output);
      if (result.exitCode !== 0) {
        throw new DriverError(
          'script-failed',
          `pre-freeze script "${script.command}" exited ${result.exitCode}`,
          {
            isRetryable: false,
          },
        );
      }
      return { status: 'succeeded', result: { exitCode: 0 } };
    }
    case 'post-thaw-script': {
      const { script } = readStepParams(step, 'post-thaw-script');
      // The capture is already taken: a failing post-thaw script is a warning, never a failure.
      try {
        const result = await driver.runGuestScript(requireVm(step), {
          command: script.command,
          timeoutMs: script.timeoutSeconds * 1000,
        });
        if (result.output) context.log('info', result.output);
        if (result.exitCode !== 0) {
          return {
            status: 'degraded',
            reason: `post-thaw script "${script.command}" exited ${result.exitCode}`,
          };
        }
        return { status: 'succeeded', result: { exitCode: 0 } };
      } catch (error) {
        if (isDriverError(error) && error.isRetryable) throw error;
        return { status: 'degraded', reason: `post-thaw script failed: ${(error as Error).message}` };
      }
    }
    case 'save-state':
      await driver.saveState(requireVm(step));
      return { status: 'succeeded' };
    case 'resume':
      await driver.resume(requireVm(step));
      return { status: 'succeeded' };
    case 'guest-freeze': {
      const { timeoutMs } = readStepParams(step, 'guest-freeze');
      await driver.freezeGuest(requireVm(step), timeoutMs);
      return { status: 'succeeded' };
    }
    case 'guest-thaw':
      await driver.thawGuest(requireVm(step));
      return { status: 'succeeded' };
    case 'flush-host-io':
      await driver.flushHostIo(readStepParams(step, 'flush-host-io').hostVolumeId);
      return { status: 'succeeded' };
    case 'vss-snapshot':
    case 'xen-snapshot':
    case 'array-snapshot': {
      const params = readStepParams(step, step.kind);
      const request = { snapshotId: params.snapshotId, scope: params.scope, diskIds: params.diskIds };
      try {
        await driver.createSnapshot({ ...request, isQuiesced: params.isQuiesced });
        return {
          status: 'succeeded',
          result: { snapshotId: params.snapshotId, isQuiesced: params.isQuiesced },
        };
      } catch (error) {
        const isQuiesceFailure = isDriverError(error) && error.faultCode === 'vss-writer-timeout';
        if (!params.isQuiesced || !isQuiesceFailure || params.consistencyPolicy !== 'fallback') throw error;
        // Fallback: take the same snapshot without quiescing (crash-consistent), once.
        context.log('warn', `${(error as Error).message}; retaking the snapshot without quiescing`);
        await driver.createSnapshot({ ...request, isQuiesced: false });
        return {
          status: 'degraded',
          reason: `fallback: ${(error as Error).message}; snapshot taken without quiescing`,
          result: { snapshotId: params.snapshotId, isQuiesced: false },
        };
      }
    }
    case 'copy-to-repository': {
      const params = readStepParams(step, 'copy-to-repository');
      return copied(
        await driver.copySnapshotToRepository(
          {
            snapshotId: params.snapshotId,
            restorePointId: params.restorePointId,
            vmId: requireVm(step),
            diskIds: params.diskIds,
          },
          copyOptions,
        ),
      );
    }
    case 'release-snapshot':
      await driver.releaseSnapshot(readStepParams(step, 'release-snapshot').snapshotId);
      return { status: 'succeeded' };
    case 'agent-copy': {
      const params = readStepParams(step, 'agent-copy');
      return copied(
        await driver.copyWithGuestAgent(
          { restorePointId: params.restorePointId, vmId: requireVm(step), diskIds: params.diskIds },
          copyOptions,
        ),
      );
    }
    case 'catalog':
      return catalogRestorePoint(context);
    case 'apply-retention':
      return applyRetention(context);
    case 'verify-point': {
      const { restorePointIds } = readStepParams(step, 'verify-point');
      for (const id of restorePointIds) {
        const verdict = await verifyAndRecord(context.stores, driver, id, {
          now: context.now(),
          requestedBy: context.operation.requestedBy,
          operationId: context.operation.id,
        });
        if (verdict !== 'intact') {
          throw new DriverError(
            'data-corrupt',
            `restore point ${id} is ${verdict}: its stored data does not match its manifest`,
            {
              isRetryable: false,
            },
          );
        }
      }
      context.log('info', `${restorePointIds.length} point(s) re-hashed: intact`);
      return { status: 'succeeded' };
    }
    case 'power-off-check': {
      const { vmIds } = readStepParams(step, 'power-off-check');
      for (const vmId of vmIds) {
        const power = await driver.getPowerState(vmId);
        if (power === 'running' || power === 'paused') {
          throw new DriverError(
            'invalid-state',
            `VM ${vmId} is ${power}: power it off before restoring in place`,
            {
              isRetryable: false,
            },
          );
        }
      }
      return { status: 'succeeded' };
    }
    case 'restore-disks': {
      const params = readStepParams(step, 'restore-disks');
      return copied(
        await driver.restoreDisks(
          {
            restorePointId: params.restorePointId,
            vmId: requireVm(step),
            target: params.target,
            newVmName: params.newVmName ?? undefined,
          },
          copyOptions,
        ),
      );
    }
    case 'revert-volume':
      return copied(await driver.revertVolume(readStepParams(step, 'revert-volume'), copyOptions));
    case 'stage-volume':
      return copied(await driver.stageVolume(readStepParams(step, 'stage-volume'), copyOptions));
    case 'copy-out-vm': {
      const params = readStepParams(step, 'copy-out-vm');
      return copied(
        await driver.copyOutVm(
          {
            stagingId: params.stagingId,
            restorePointId: params.restorePointId,
            vmId: requireVm(step),
            target: params.target,
            newVmName: params.newVmName ?? undefined,
          },
          copyOptions,
        ),
      );
    }
    case 'discard-staging':
      await driver.discardStaging(readStepParams(step, 'discard-staging').stagingId);
      return { status: 'succeeded' };
    case 'verify-restored': {
      const { restoreStepKeys } = readStepParams(step, 'verify-restored');
      const rows = (await context.stores.operations.steps(context.operation.id)).filter((row) =>
        restoreStepKeys.includes(row.key),
      );
      for (const key of restoreStepKeys) {
        const row = rows.find((candidate) => candidate.key === key);
        if (row?.status !== 'succeeded' || row.resultJson?.verified !== true) {
          throw new DriverError(
            'data-corrupt',
            `restore step "${row?.title ?? key}" did not verify every hash`,
            {
              isRetryable: false,
            },
          );
        }
      }
      return { status: 'succeeded' };
    }
    case 'discard-newer-points': {
      const { restorePointIds } = readStepParams(step, 'discard-newer-points');
      for (const id of restorePointIds) {
        await deletePoint(
          context.stores,
          driver,
          id,
          context.operation.id,
          'discarded by a revert',
          context.now(),
        );
      }
      return { status: 'succeeded', result: { discarded: restorePointIds.length } };
    }
  }
}

/** Re-hashes a point through the driver and records the verdict. */
export async function verifyAndRecord(
  stores: StepStores,
  driver: Driver,
  restorePointId: string,
  options: { now: Date; requestedBy: string; operationId?: string | null },
): Promise<'intact' | 'corrupt' | 'missing'> {
  const result = await driver.verifyRestorePoint(restorePointId);
  const verdict = result.isIntact
    ? 'intact'
    : result.mismatches.some((line) => /missing/.test(line))
      ? 'missing'
      : 'corrupt';
  await stores.restorePoints.recordVerification({
    pointId: restorePointId,
    verdict,
    details: { mismatches: result.mismatches, applicationState: result.applicationState ?? null },
    now: options.now,
    requestedBy: options.requestedBy,
    operationId: options.operationId ?? null,
  });
  return verdict;
}

/** Deletes a point's stored data, then its catalogue row (re-running after a crash is harmless). */
export async function deletePoint(
  stores: StepStores,
  driver: Driver,
  restorePointId: string,
  operationId: string | null,
  reason: string,
  now: Date,
): Promise<void> {
  await driver.deleteRestorePointData(restorePointId);
  await stores.restorePoints.deletePoint({ pointId: restorePointId, operationId, reason, now });
}

async function catalogRestorePoint(context: StepContext): Promise<StepOutcome> {
  const { stores, operation, planStep } = context;
  const params = readStepParams(planStep, 'catalog');
  const vmId = requireVm(planStep);
  const steps = await stores.operations.steps(operation.id);
  const byKey = new Map(steps.map((step) => [step.key, step]));
  const copyStep = byKey.get(params.copyStepKey);
  const copy = copyStep?.resultJson as CopyResult | undefined;
  if (!copyStep || (copyStep.status !== 'succeeded' && copyStep.status !== 'degraded') || !copy?.files) {
    throw new Error(`cannot catalog: copy step "${params.copyStepKey}" has no stored files`);
  }

  const reasons: string[] = [];
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
  const createdAt = snapshotStep?.finishedAt ?? copyStep.startedAt ?? context.now();
  const plan = operation.planJson as unknown as OperationPlan;
  const vmName = (plan as BackupPlan).vms?.find((vm) => vm.vmId === vmId)?.vmName ?? vmId;
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
      sizeBytes: copy.bytes,
      repositoryPath: path.dirname(copy.files[0]?.path ?? `repository/${params.restorePointId}/x`),
    },
    files: copy.files,
    operationId: operation.id,
    now,
  });
  context.log(
    inserted ? 'info' : 'warn',
    inserted
      ? `restore point ${params.restorePointId}: ${consistency}${reasons.length ? ` (${reasons.join('; ')})` : ''}`
      : `restore point ${params.restorePointId} was already catalogued (resumed step)`,
  );
  return { status: 'succeeded', result: { restorePointId: params.restorePointId, consistency } };
}

async function applyRetention(context: StepContext): Promise<StepOutcome> {
  const { stores, driver, planStep } = context;
  const params = readStepParams(planStep, 'apply-retention');
  let pruned = 0;
  for (const vmId of params.vmIds) {
    const points = await stores.restorePoints.retentionCandidates(params.jobId, vmId);
    const selection = selectPointsToPrune(points, params.policy, params.timeZone);
    for (const id of selection.prune) {
      await deletePoint(stores, driver, id, context.operation.id, 'pruned by retention', context.now());
      pruned += 1;
    }
  }
  context.log('info', `retention kept the job's policy; pruned ${pruned} point(s)`);
  return { status: 'succeeded', result: { pruned } };
}
