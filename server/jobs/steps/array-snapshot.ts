/**
 * The array snapshot step, with the thaw inside the array's write fence (CONNECTORS.md §4). The
 * plan froze the guests (guest-freeze) and flushed the host volumes on the LUNs (flush-host-io)
 * before this step. An array that fences (ONTAP's two-phase consistency-group snapshot) calls the
 * request's `whileFenced` hook between start and commit: this step thaws its frozen guests there,
 * so they stay frozen for the seconds of the fence, not for the whole call. The guest-thaw step
 * that follows reads `thawedInFence` and does not thaw twice. Post-thaw scripts stay their own
 * steps, after this one: a script's run time is not bounded by the fence's seconds.
 *
 * What each VM got is what happened:
 * - a commit that missed the fence (ONTAP aborted; nothing is left of it) fails the step under
 *   `require` (the runner retries it); under `fallback` the same snapshot is taken again at once,
 *   and the VMs that were thawed for the missed fence are crash-consistent, with that reason;
 * - an attempt after a failed one cannot trust the earlier freeze (its fence hook may have thawed
 *   the guests), so it freezes them and flushes the host volumes again first; a VM that will not
 *   freeze again fails the step under `require` and is crash-consistent under `fallback`.
 * `crashVmIds` in the result names those VMs with their reason; the catalog step lowers their points.
 */

import type { StepOutcome } from '../../../db/stores/ports/operation-store';
import type { CreateSnapshotRequest } from '../../drivers/roles';
import { isDriverError } from '../../engine/driver';
import type { PlanStep } from '../../engine/plan-types';
import { MINUTE, type StepHandler, type StepRun } from './context';
import { snapshotDriverFor } from './drivers';

/** The array snapshot step's result (read by guest-thaw and catalog). */
export interface ArraySnapshotResult {
  snapshotId: string;
  isQuiesced: false;
  /** VMs this step thawed inside the array's write fence. */
  thawedInFence: string[];
  /** VMs frozen for the capture whose snapshot was not taken under that freeze, with why. */
  crashVmIds: Record<string, string>;
}

type ArrayStep = StepRun<'array-snapshot'>;

const reasonOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** The plan's steps of this capture group: its members' freezes, and the flushes of its LUNs' host volumes. */
function groupSteps(step: ArrayStep): { freezes: PlanStep[]; flushes: PlanStep[] } {
  const vmIds = new Set(step.params.vmIds);
  const scope = step.params.scope;
  const lunIds = new Set(scope.kind === 'array-volumes' ? scope.arrayVolumeIds : []);
  const steps = step.plan().steps;
  return {
    freezes: steps.filter((s) => s.kind === 'guest-freeze' && s.vmId !== null && vmIds.has(s.vmId)),
    flushes: steps.filter(
      (s) => s.kind === 'flush-host-io' && s.arrayVolumeId !== null && lunIds.has(s.arrayVolumeId),
    ),
  };
}

/** The VMs whose guest-freeze step froze them (a freeze that fell back left its VM unfrozen). */
async function frozenVmIds(step: ArrayStep, freezes: PlanStep[]): Promise<string[]> {
  const records = await step.stores.operations.steps(step.operation.id);
  const statusByKey = new Map(records.map((record) => [record.key, record.status]));
  return freezes.filter((s) => statusByKey.get(s.key) === 'succeeded').map((s) => s.vmId as string);
}

/** A retried attempt: freeze the guests and flush the host volumes again; returns the VMs that stayed frozen. */
async function freezeAgain(
  step: ArrayStep,
  vmIds: string[],
  groupPlan: ReturnType<typeof groupSteps>,
  crashVmIds: Record<string, string>,
): Promise<string[]> {
  step.log(
    'info',
    `attempt ${step.step.attempts}: freezing the guests again (an earlier attempt may have thawed them)`,
  );
  const frozen: string[] = [];
  for (const vmId of vmIds) {
    const freeze = groupPlan.freezes.find((s) => s.vmId === vmId);
    const timeoutMs = (freeze?.params as { timeoutMs?: number } | undefined)?.timeoutMs ?? MINUTE;
    try {
      const hypervisor = await step.drivers.hypervisorForVm(vmId);
      await hypervisor.freezeGuest(vmId, timeoutMs, step.callWithExtra(timeoutMs));
      frozen.push(vmId);
    } catch (error) {
      if (step.params.consistencyPolicy !== 'fallback') throw error;
      crashVmIds[vmId] = `fallback: freezing again for a retried snapshot failed: ${reasonOf(error)}`;
    }
  }
  for (const flush of groupPlan.flushes) {
    const hostVolumeId = (flush.params as { hostVolumeId: string }).hostVolumeId;
    await (await step.drivers.hypervisorForHostVolume(hostVolumeId)).flushHostIo(hostVolumeId, step.call);
  }
  return frozen;
}

async function takeArraySnapshot(step: ArrayStep): Promise<StepOutcome> {
  const { params } = step;
  const driver = await snapshotDriverFor(step.drivers, params.scope);
  const groupPlan = groupSteps(step);
  const crashVmIds: Record<string, string> = {};
  let frozen = await frozenVmIds(step, groupPlan.freezes);
  if (step.step.attempts > 1 && frozen.length > 0)
    frozen = await freezeAgain(step, frozen, groupPlan, crashVmIds);

  const thawedInFence: string[] = [];
  const thawInsideFence = async (signal: AbortSignal) => {
    for (const vmId of frozen) {
      try {
        const hypervisor = await step.drivers.hypervisorForVm(vmId);
        await hypervisor.thawGuest(vmId, { signal, timeoutMs: step.call.timeoutMs });
        thawedInFence.push(vmId);
      } catch (error) {
        step.log(
          'warn',
          `thaw of ${vmId} inside the write fence failed (the thaw step retries it): ${reasonOf(error)}`,
        );
      }
    }
  };
  const request = (whileFenced?: CreateSnapshotRequest['whileFenced']): CreateSnapshotRequest => ({
    snapshotId: params.snapshotId,
    scope: params.scope,
    diskIds: params.diskIds,
    isQuiesced: false,
    ...(whileFenced ? { whileFenced } : {}),
  });
  const create = driver.createSnapshot as (
    request: CreateSnapshotRequest,
    options: typeof step.call,
  ) => Promise<unknown>;
  try {
    await create(request(frozen.length > 0 ? thawInsideFence : undefined), step.call);
  } catch (error) {
    // Thawed for a fence whose commit then failed: the freeze is over, the snapshot was not taken.
    const missedFence =
      thawedInFence.length > 0 && isDriverError(error) && error.faultCode === 'snapshot-failed';
    if (!missedFence || params.consistencyPolicy !== 'fallback') throw error;
    step.log('warn', `${reasonOf(error)}; taking the snapshot again without the freeze (crash-consistent)`);
    await create(request(), step.call);
    for (const vmId of thawedInFence)
      crashVmIds[vmId] = `fallback: ${reasonOf(error)}; snapshot taken after the thaw`;
  }
  const result: ArraySnapshotResult = {
    snapshotId: params.snapshotId,
    isQuiesced: false,
    thawedInFence,
    crashVmIds,
  };
  const crashReasons = Object.values(crashVmIds);
  if (crashReasons.length > 0) {
    return { status: 'degraded', reason: crashReasons.join('; '), result: { ...result } };
  }
  return { status: 'succeeded', result: { ...result } };
}

export const arraySnapshot: StepHandler<'array-snapshot'> = {
  deadlineMs: 15 * MINUTE,
  run: takeArraySnapshot,
};
