/**
 * Snapshot steps: a VM snapshot or WSB host-volume set (the host's hypervisor driver), and the
 * release of any snapshot. The LUN / consistency-group snapshot is array-snapshot.ts.
 */
import type { CreateSnapshotRequest, HostSnapshotResult } from '../../drivers/roles';
import type { SnapshotScope } from '../../engine/driver';
import { isDriverError } from '../../engine/driver';
import { decideKeptSnapshotRelease } from '../../engine/kept-snapshots';
import type { SnapshotStepParams } from '../../engine/step-params';
import { MINUTE, type StepHandler, type StepRun } from './context';
import { snapshotDriverFor, undoneStep } from './drivers';

/** The change tracking ids a driver read with the snapshot, kept on the step for the catalog step. */
function changeTrackingOf(taken: HostSnapshotResult | undefined) {
  return taken?.changeTracking ? { changeTracking: taken.changeTracking } : {};
}

async function takeSnapshot(step: StepRun<'vss-snapshot' | 'xen-snapshot'>) {
  const params: SnapshotStepParams = step.params;
  const driver = await snapshotDriverFor(step.drivers, params.scope);
  const snapshot = (isQuiesced: boolean) => {
    const request: CreateSnapshotRequest = {
      snapshotId: params.snapshotId,
      scope: params.scope,
      diskIds: params.diskIds,
      isQuiesced,
    };
    // snapshotDriverFor picked the role that matches the scope's kind.
    return (
      driver.createSnapshot as (request: CreateSnapshotRequest, options: typeof step.call) => Promise<unknown>
    )(request, step.call) as Promise<HostSnapshotResult | undefined>;
  };
  try {
    const taken = await snapshot(params.isQuiesced);
    return {
      status: 'succeeded' as const,
      result: { snapshotId: params.snapshotId, isQuiesced: params.isQuiesced, ...changeTrackingOf(taken) },
    };
  } catch (error) {
    const isQuiesceFailure = isDriverError(error) && error.faultCode === 'vss-writer-timeout';
    if (!params.isQuiesced || !isQuiesceFailure || params.consistencyPolicy !== 'fallback') throw error;
    // Fallback: take the same snapshot without quiescing (crash-consistent), once.
    await step.logNamed('warn', `${(error as Error).message}; retaking the snapshot without quiescing`);
    const taken = await snapshot(false);
    return {
      status: 'degraded' as const,
      reason: `fallback: ${(error as Error).message}; snapshot taken without quiescing`,
      result: { snapshotId: params.snapshotId, isQuiesced: false, ...changeTrackingOf(taken) },
    };
  }
}

export const vssSnapshot: StepHandler<'vss-snapshot'> = { deadlineMs: 15 * MINUTE, run: takeSnapshot };
export const xenSnapshot: StepHandler<'xen-snapshot'> = { deadlineMs: 15 * MINUTE, run: takeSnapshot };

export const releaseSnapshot: StepHandler<'release-snapshot'> = {
  deadlineMs: 15 * MINUTE,
  async run(step) {
    const { keptForPointIds } = step.params;
    if (keptForPointIds) {
      // A backup that keeps its array snapshot: kept once a point holds it, released otherwise.
      const catalogued = [];
      for (const id of keptForPointIds) {
        const row = await step.stores.restorePoints.get(id);
        if (row) catalogued.push(row);
      }
      const decision = decideKeptSnapshotRelease(keptForPointIds, catalogued);
      step.log('info', decision.reason);
      if (decision.action === 'keep') return { status: 'succeeded', result: { kept: true } };
    }
    // The snapshot step this cleanup undoes says what was snapshotted, hence whose driver releases it.
    const { scope } = undoneStep(step.plan(), step.planStep).params as { scope: SnapshotScope };
    await (await snapshotDriverFor(step.drivers, scope)).releaseSnapshot(step.params.snapshotId, step.call);
    return { status: 'succeeded' };
  },
};
