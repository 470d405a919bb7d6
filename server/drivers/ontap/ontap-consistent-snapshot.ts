/**
 * The array-consistent capture across connectors (DOMAIN.md §6, CONNECTORS.md §4): the array knows
 * nothing of the VMs on its LUNs, so the consistency comes from the order of the steps —
 * pre-freeze script in each guest (through its hypervisor connector) → flush of the host volumes on
 * the LUNs (`Write-VolumeCache` on Hyper-V) → CG snapshot `start` (ONTAP fences writes) → post-thaw
 * scripts → `commit` within the fence. What each VM got is recorded as what actually happened: a
 * VM whose pre-freeze failed under the `fallback` policy, or one that merely shares the LUN, is
 * crash-consistent, with the reason.
 *
 * This is the sequence as one function, so it can be driven across real transports in one test;
 * the runner splits it into its steps (each with the stable key passed down here).
 */
import { DriverError } from '../../engine/driver';
import type { CallOptions } from '../call';
import type { HypervisorDriver, ScriptRun } from '../roles';
import type { OntapOperations } from './ontap-operations';

export interface QuiescedVm {
  vmId: string;
  hypervisor: Pick<HypervisorDriver, 'runGuestScript'>;
  preFreeze: ScriptRun;
  postThaw: ScriptRun;
}

export interface ConsistentSnapshotRequest {
  stepKey: string;
  consistencyGroup: string;
  snapshotName: string;
  fenceSeconds?: number;
  /** VMs the application scripts quiesce. */
  quiesced: QuiescedVm[];
  /** Other VMs with disks on the same LUNs: captured with them, never frozen. */
  bystanderVmIds: string[];
  /** Host volumes on the group's LUNs, flushed after the freeze. */
  hostVolumes: { hostVolumeId: string; hypervisor: Pick<HypervisorDriver, 'flushHostIo'> }[];
  /** `require`: a failed freeze fails the capture; `fallback`: go on crash-consistent, say why. */
  freezePolicy: 'require' | 'fallback';
}

export interface CapturedVm {
  vmId: string;
  consistency: 'application' | 'crash';
  reason: string;
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export async function takeConsistentArraySnapshot(
  operations: OntapOperations,
  request: ConsistentSnapshotRequest,
  options: CallOptions,
): Promise<CapturedVm[]> {
  const captured: CapturedVm[] = [];
  const frozen: QuiescedVm[] = [];
  const thawAll = async () => {
    for (const vm of frozen.splice(0)) {
      const result = await vm.hypervisor.runGuestScript(vm.vmId, vm.postThaw, options);
      if (result.exitCode !== 0) {
        throw new DriverError('script-failed', `post-thaw script of ${vm.vmId} exited ${result.exitCode}`, {
          isRetryable: false,
        });
      }
    }
  };
  try {
    for (const vm of request.quiesced) {
      const failure = await vm.hypervisor.runGuestScript(vm.vmId, vm.preFreeze, options).then(
        (result) => (result.exitCode === 0 ? null : `pre-freeze script exited ${result.exitCode}`),
        (error: unknown) => `pre-freeze script failed: ${reasonOf(error)}`,
      );
      if (failure === null) {
        frozen.push(vm);
        captured.push({
          vmId: vm.vmId,
          consistency: 'application',
          reason: 'quiesced by its pre-freeze script',
        });
      } else if (request.freezePolicy === 'require') {
        throw new DriverError('script-failed', `${vm.vmId}: ${failure}`, { isRetryable: false });
      } else {
        captured.push({ vmId: vm.vmId, consistency: 'crash', reason: failure });
      }
    }
    for (const volume of request.hostVolumes)
      await volume.hypervisor.flushHostIo(volume.hostVolumeId, options);
  } catch (error) {
    await thawAll().catch(() => undefined); // never leave a guest quiesced because a later step failed
    throw error;
  }
  await operations.snapshotConsistencyGroup(
    {
      consistencyGroup: request.consistencyGroup,
      snapshotName: request.snapshotName,
      fenceSeconds: request.fenceSeconds,
      thaw: thawAll,
    },
    { ...options, stepKey: request.stepKey },
  );
  for (const vmId of request.bystanderVmIds) {
    captured.push({ vmId, consistency: 'crash', reason: 'shares the LUN but was not frozen' });
  }
  return captured;
}
