/**
 * Restore steps: disks written back by the VM's host; whole volumes reverted or staged by whoever
 * manages the volume (the host for a host volume, the array for a LUN); the staged copy-out; and
 * the final check that every restore step re-hashed what it wrote.
 */

import type { VolumeRef } from '../../engine/driver';
import { DriverError } from '../../engine/driver';
import { copied, HOUR, MINUTE, type StepHandler } from './context';
import { undoneStep, volumeDriverFor } from './drivers';

export const restoreDisks: StepHandler<'restore-disks'> = {
  deadlineMs: 12 * HOUR,
  async run(step) {
    const { restorePointId, target, newVmName } = step.params;
    const hypervisor = await step.drivers.hypervisorForVm(step.vmId());
    return copied(
      await hypervisor.restoreDisks(
        { restorePointId, vmId: step.vmId(), target, newVmName: newVmName ?? undefined },
        step.drivers.repository(),
        step.transfer,
      ),
    );
  },
};

export const revertVolume: StepHandler<'revert-volume'> = {
  deadlineMs: 12 * HOUR,
  async run(step) {
    const driver = await volumeDriverFor(step.drivers, step.params.volume);
    return copied(await driver.revertVolume(step.params, step.drivers.repository(), step.transfer));
  },
};

export const stageVolume: StepHandler<'stage-volume'> = {
  deadlineMs: 12 * HOUR,
  async run(step) {
    const driver = await volumeDriverFor(step.drivers, step.params.volume);
    return copied(await driver.stageVolume(step.params, step.drivers.repository(), step.transfer));
  },
};

export const copyOutVm: StepHandler<'copy-out-vm'> = {
  deadlineMs: 12 * HOUR,
  async run(step) {
    const { stagingId, restorePointId, target, newVmName } = step.params;
    const hypervisor = await step.drivers.hypervisorForVm(step.vmId());
    return copied(
      await hypervisor.copyOutVm(
        { stagingId, restorePointId, vmId: step.vmId(), target, newVmName: newVmName ?? undefined },
        step.drivers.repository(),
        step.transfer,
      ),
    );
  },
};

export const discardStaging: StepHandler<'discard-staging'> = {
  deadlineMs: 15 * MINUTE,
  async run(step) {
    // The stage step this cleanup undoes names the volume, hence whose driver holds the staging.
    const { volume } = undoneStep(step.plan(), step.planStep).params as { volume: VolumeRef };
    await (await volumeDriverFor(step.drivers, volume)).discardStaging(step.params.stagingId, step.call);
    return { status: 'succeeded' };
  },
};

export const verifyRestored: StepHandler<'verify-restored'> = {
  deadlineMs: 2 * MINUTE,
  async run(step) {
    const { restoreStepKeys } = step.params;
    const rows = (await step.stores.operations.steps(step.operation.id)).filter((row) =>
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
  },
};
