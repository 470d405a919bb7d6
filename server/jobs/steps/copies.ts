/** Copy steps: the host reads a VM's disks (from a snapshot, or through the in-guest agent) into the repository. */
import { copied, HOUR, type StepHandler } from './context';

export const copyToRepository: StepHandler<'copy-to-repository'> = {
  deadlineMs: 12 * HOUR,
  async run(step) {
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
