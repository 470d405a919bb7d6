/** Copy steps: the host reads a VM's disks (from a snapshot, or through the in-guest agent) into the repository. */

import type { CopyResult } from '../../drivers/roles';
import type { SnapshotScope } from '../../engine/driver';
import { copied, HOUR, MINUTE, type StepHandler, type StepRun } from './context';

/**
 * An array snapshot the host reads through the array: the array exposes the snapshot's LUNs to
 * the VM's host (ONTAP: FlexClone → map), the host reads only this VM's disks from them, then the
 * exposure is withdrawn (unmap → delete), also when the copy fails or is cancelled. Null when the
 * snapshot is not an array's, or either driver cannot take part (the lab copies by itself).
 */
async function copyThroughArray(step: StepRun<'copy-to-repository'>): Promise<CopyResult | null> {
  const { snapshotId, restorePointId, diskIds } = step.params;
  const taken = step
    .plan()
    .steps.find(
      (candidate) =>
        candidate.kind === 'array-snapshot' &&
        (candidate.params as { snapshotId?: string }).snapshotId === snapshotId,
    );
  const scope = (taken?.params as { scope?: SnapshotScope } | undefined)?.scope;
  if (scope?.kind !== 'array-volumes' || scope.arrayVolumeIds.length === 0) return null;
  // Only the LUNs under this VM's disks: a consistency group's other volumes are not cloned for it.
  const detail = await step.stores.inventory.getVm(step.vmId());
  const under = new Set(
    (detail?.disks ?? []).filter((disk) => diskIds.includes(disk.id)).map((disk) => disk.arrayVolume?.id),
  );
  const arrayVolumeIds = scope.arrayVolumeIds.filter((id) => under.has(id));
  if (arrayVolumeIds.length === 0) return null;
  const hypervisor = await step.drivers.hypervisorForVm(step.vmId());
  const array = await step.drivers.arrayForArrayVolume(arrayVolumeIds[0]);
  if (!hypervisor.copyFromArrayLuns || !array.exposeSnapshot || !array.withdrawExposure) return null;
  // On a deadline of its own: a cancel has aborted the step's signal, and the clone must go. A
  // worker killed before it leaves the clone to the snapshot's release, which removes it first.
  const withdraw = () =>
    array.withdrawExposure?.(restorePointId, {
      signal: AbortSignal.timeout(5 * MINUTE),
      timeoutMs: 5 * MINUTE,
    });
  let result: CopyResult;
  try {
    const luns = await array.exposeSnapshot(
      { snapshotId, exposureId: restorePointId, arrayVolumeIds },
      step.call,
    );
    result = await hypervisor.copyFromArrayLuns(
      { snapshotId, restorePointId, vmId: step.vmId(), diskIds, luns },
      step.drivers.repository(),
      step.transfer,
    );
  } catch (error) {
    await withdraw()?.catch((cleanup: unknown) =>
      step.logNamed('warn', `copy clone left: ${String(cleanup)}`),
    );
    throw error;
  }
  await withdraw();
  return result;
}

export const copyToRepository: StepHandler<'copy-to-repository'> = {
  deadlineMs: 12 * HOUR,
  async run(step) {
    const throughArray = await copyThroughArray(step);
    if (throughArray) return copied(throughArray);
    const { snapshotId, restorePointId, diskIds } = step.params;
    const hypervisor = await step.drivers.hypervisorForVm(step.vmId());
    return copied(
      await hypervisor.copySnapshotToRepository(
        { snapshotId, restorePointId, vmId: step.vmId(), diskIds },
        step.drivers.repository(),
        step.transfer,
      ),
    );
  },
};

export const agentCopy: StepHandler<'agent-copy'> = {
  deadlineMs: 12 * HOUR,
  async run(step) {
    const { restorePointId, diskIds } = step.params;
    const hypervisor = await step.drivers.hypervisorForVm(step.vmId());
    return copied(
      await hypervisor.copyWithGuestAgent(
        { restorePointId, vmId: step.vmId(), diskIds },
        step.drivers.repository(),
        step.transfer,
      ),
    );
  },
};
