/**
 * The array snapshot step, with the thaw inside the array's write fence (CONNECTORS.md §4). The
 * plan ran the pre-freeze scripts, froze the guests (guest-freeze) and flushed the host volumes on
 * the LUNs (flush-host-io) before this step. An array that fences (ONTAP's two-phase
 * consistency-group snapshot) calls the request's `whileFenced` hook between start and commit:
 * this step thaws its frozen guests there and runs their post-thaw scripts, so the guests and
 * their applications stay suspended for the seconds of the fence, not for the whole call (the
 * array holds their writes until the commit). The guest-thaw and post-thaw-script steps that follow
 * read `thawedInFence` / `postThawInFence` and do not run twice. An array that does not fence never
 * calls the hook: those steps thaw and resume after the snapshot, as before.
 *
 * What each VM got is what happened:
 * - a commit that missed the fence (ONTAP aborted; nothing is left of it) fails the step under
 *   `require` (the runner retries it); under `fallback` the same snapshot is taken again at once,
 *   and the VMs that were thawed or resumed for the missed fence are crash-consistent, with that
 *   reason naming them;
 * - an attempt after a failed one cannot trust the earlier freeze (its fence hook may have thawed
 *   the guests and resumed their applications), so it runs the pre-freeze scripts again, freezes
 *   the guests and flushes the host volumes again first; a VM that will not suspend or freeze
 *   again fails the step under `require` and is crash-consistent under `fallback`;
 * - a failed attempt resumes the applications it suspended before it fails (their post-thaw
 *   scripts), so a retry's pre-freeze never finds them suspended already.
 * `crashVmIds` in the result names those VMs with their reason; the catalog step lowers their points.
 */

import type { StepOutcome } from '../../../db/stores/ports/operation-store';
import type { CreateSnapshotRequest } from '../../drivers/roles';
import { DriverError, GuestThawedEarlyError, isDriverError } from '../../engine/driver';
import type { PlanStep } from '../../engine/plan-types';
import { type FencedScriptRun, runScriptOf, scriptStepsOf, suspendedVmIds } from './array-fence-scripts';
import { MINUTE, type StepHandler, type StepRun } from './context';
import { namesOfVms, snapshotDriverFor } from './drivers';

/** The array snapshot step's result (read by guest-thaw and catalog). */
export interface ArraySnapshotResult {
  snapshotId: string;
  isQuiesced: false;
  /** VMs this step thawed inside the array's write fence. */
  thawedInFence: string[];
  /** Post-thaw scripts this step ran inside the write fence, by VM (what each answered). */
  postThawInFence: Record<string, FencedScriptRun>;
  /**
   * VMs frozen for the capture whose snapshot was not (or may not have been) taken under that freeze,
   * with why: a missed fence, or a guest that thawed itself before the fence's thaw.
   */
  crashVmIds: Record<string, string>;
  /** What the array calls the snapshot (a point that keeps it shows it); absent: its id. */
  arraySnapshotName?: string;
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
      crashVmIds[vmId] =
        `fallback: ${await namesOfVms(step.stores, [vmId])} did not freeze again for a retried snapshot: ${reasonOf(error)}`;
    }
  }
  for (const flush of groupPlan.flushes) {
    const hostVolumeId = (flush.params as { hostVolumeId: string }).hostVolumeId;
    await (await step.drivers.hypervisorForHostVolume(hostVolumeId)).flushHostIo(hostVolumeId, step.call);
  }
  return frozen;
}

/** A retried attempt: suspend the applications again (pre-freeze); returns the VMs suspended. */
async function suspendAgain(
  step: ArrayStep,
  vmIds: string[],
  crashVmIds: Record<string, string>,
): Promise<string[]> {
  const { preFreeze } = scriptStepsOf(step);
  const suspended: string[] = [];
  for (const vmId of vmIds) {
    const planStep = preFreeze.get(vmId);
    if (!planStep) {
      suspended.push(vmId);
      continue;
    }
    const failure = await runScriptOf(step, vmId, planStep, step.signal).then(
      (run) => (run.exitCode === 0 ? null : `exited ${run.exitCode}`),
      (error: unknown) => `failed: ${reasonOf(error)}`,
    );
    const name = await namesOfVms(step.stores, [vmId]);
    if (failure === null) suspended.push(vmId);
    else if (step.params.consistencyPolicy !== 'fallback')
      throw new DriverError('script-failed', `pre-freeze script of ${name} ${failure} (retried snapshot)`, {
        isRetryable: false,
      });
    else crashVmIds[vmId] = `fallback: the pre-freeze script of ${name} ${failure} for a retried snapshot`;
  }
  return suspended;
}

/** What the fence hook did: the guests it thawed and the post-thaw scripts it ran, in order. */
interface FencedWork {
  thawed: string[];
  /** Guests that had thawed themselves (freeze window out) before the fence's thaw, with why. */
  thawedEarly: Record<string, string>;
  postThaw: Record<string, FencedScriptRun>;
}

/** Thaws the frozen guests, then runs the suspended VMs' post-thaw scripts (inside the fence). */
function fenceHook(step: ArrayStep, frozen: string[], suspended: string[], work: FencedWork) {
  const { postThaw } = scriptStepsOf(step);
  return async (signal: AbortSignal) => {
    for (const vmId of frozen) {
      try {
        const hypervisor = await step.drivers.hypervisorForVm(vmId);
        await hypervisor.thawGuest(vmId, { signal, timeoutMs: step.call.timeoutMs });
        work.thawed.push(vmId);
      } catch (error) {
        const name = await namesOfVms(step.stores, [vmId]);
        if (error instanceof GuestThawedEarlyError) {
          // When it thawed is unknown: maybe before the fence opened, so the snapshot may hold writes
          // made after that thaw. Never claim more than happened.
          work.thawedEarly[vmId] =
            `${name}: ${error.message}; the snapshot may have been taken after that thaw, so the point is crash-consistent`;
        }
        await step.logNamed(
          'warn',
          `thaw of ${name} inside the write fence failed (the thaw step retries it): ${reasonOf(error)}`,
        );
      }
    }
    for (const vmId of suspended) {
      const planStep = postThaw.get(vmId);
      if (!planStep) continue;
      try {
        work.postThaw[vmId] = await runScriptOf(step, vmId, planStep, signal);
      } catch (error) {
        await step.logNamed(
          'warn',
          `post-thaw script of ${await namesOfVms(step.stores, [vmId])} inside the write fence failed (its step runs it again): ${reasonOf(error)}`,
        );
      }
    }
  };
}

/** A failed attempt resumes the applications it suspended and did not resume yet (best effort). */
async function resumeApplications(step: ArrayStep, suspended: string[], work: FencedWork): Promise<void> {
  const { postThaw } = scriptStepsOf(step);
  for (const vmId of suspended) {
    const planStep = postThaw.get(vmId);
    if (!planStep || work.postThaw[vmId]) continue;
    await runScriptOf(step, vmId, planStep, step.signal).catch(async (error: unknown) => {
      const name = await namesOfVms(step.stores, [vmId]).catch(() => vmId);
      await step.logNamed(
        'warn',
        `post-thaw script of ${name} after a failed snapshot failed: ${reasonOf(error)}`,
      );
    });
  }
}

async function takeArraySnapshot(step: ArrayStep): Promise<StepOutcome> {
  const { params } = step;
  const driver = await snapshotDriverFor(step.drivers, params.scope);
  const groupPlan = groupSteps(step);
  const crashVmIds: Record<string, string> = {};
  let suspended = await suspendedVmIds(step);
  let frozen = await frozenVmIds(step, groupPlan.freezes);
  if (step.step.attempts > 1) {
    suspended = await suspendAgain(step, suspended, crashVmIds);
    if (frozen.length > 0) frozen = await freezeAgain(step, frozen, groupPlan, crashVmIds);
  }

  const work: FencedWork = { thawed: [], thawedEarly: {}, postThaw: {} };
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
  ) => Promise<{ name?: string } | undefined>;
  let arraySnapshotName: string | undefined;
  const hasFencedWork = frozen.length > 0 || suspended.length > 0;
  try {
    const taken = await create(
      request(hasFencedWork ? fenceHook(step, frozen, suspended, work) : undefined),
      step.call,
    );
    arraySnapshotName = taken?.name;
  } catch (error) {
    // Thawed / resumed for a fence whose commit then failed: the freeze is over, the snapshot was not taken.
    const released = [...new Set([...work.thawed, ...Object.keys(work.postThaw)])];
    const missedFence = released.length > 0 && isDriverError(error) && error.faultCode === 'snapshot-failed';
    if (!missedFence || params.consistencyPolicy !== 'fallback') {
      await resumeApplications(step, suspended, work);
      throw error;
    }
    await step.logNamed(
      'warn',
      `${reasonOf(error)}; taking the snapshot again without the freeze (crash-consistent)`,
    );
    arraySnapshotName = (await create(request(), step.call))?.name;
    for (const vmId of released)
      crashVmIds[vmId] =
        `fallback: ${await namesOfVms(step.stores, [vmId])} was thawed for a write fence whose commit failed (${reasonOf(error)}); snapshot taken after the thaw`;
  }
  for (const [vmId, reason] of Object.entries(work.thawedEarly)) crashVmIds[vmId] ??= reason;
  const result: ArraySnapshotResult = {
    snapshotId: params.snapshotId,
    isQuiesced: false,
    thawedInFence: work.thawed,
    postThawInFence: work.postThaw,
    crashVmIds,
    ...(arraySnapshotName ? { arraySnapshotName } : {}),
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
