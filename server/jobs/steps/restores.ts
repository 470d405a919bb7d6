/**
 * Restore steps: disks written back by the VM's host; whole volumes reverted or staged by whoever
 * manages the volume (the host for a host volume, the array for a LUN); the staged copy-out; and
 * the final check that every restore step re-hashed what it wrote.
 */

import type { ExposedLun } from '../../drivers/roles';
import type { VolumeRef } from '../../engine/driver';
import { DriverError } from '../../engine/driver';
import { indexInventory, type PowerState } from '../../engine/inventory';
import { revertDrift, revertDriftRefusal } from '../../engine/restore-stages/revert-drift';
import { copied, HOUR, MINUTE, type StepHandler, type StepRun } from './context';
import { namesOfVms, undoneStep, volumeDriverFor } from './drivers';
import { addRestoredVm, recordPowerStates, underHypervisorIds } from './inventory';

export const restoreDisks: StepHandler<'restore-disks'> = {
  deadlineMs: 12 * HOUR,
  async run(step) {
    const { restorePointId, target, newVmName, newVm } = step.params;
    const hypervisor = await step.drivers.hypervisorForVm(step.vmId());
    // The plan records the operator's choice as the new VM's power state (new-vm.ts).
    const isPowerOnAsked = newVm?.vm.powerState === 'running';
    const result = await hypervisor.restoreDisks(
      {
        restorePointId,
        vmId: step.vmId(),
        target,
        newVmName: newVmName ?? undefined,
        newDisks: newVm?.disks,
        powerOn: isPowerOnAsked,
      },
      step.drivers.repository(),
      step.transfer,
    );
    if (!newVm) return copied(result);
    // The new VM is part of the estate now: listed, searchable, protectable like any other, in the
    // power state its host answered, not the one asked for.
    const reached = result.powerState;
    const placed = underHypervisorIds(newVm, result.createdVm);
    // A state the host answered that Migawka does not know is planned as running until the next
    // sync, as the sync plans it (no restore overwrites the VM unasked, no backup copies its files as
    // if it were off), and said to be unread, not shown as a fact.
    const powerStateUnknown =
      reached === undefined
        ? 'its host answered a power state Migawka does not know after the restore'
        : null;
    await addRestoredVm(
      step.stores,
      { ...placed, vm: { ...placed.vm, powerState: reached ?? 'running', powerStateUnknown } },
      step.now(),
    );
    step.log('info', `${newVm.vm.name} added to the inventory (${reached ?? 'power state not read'})`);
    const outcome = copied(result);
    if (reached === 'running' || (!isPowerOnAsked && reached !== undefined)) return outcome;
    return { ...outcome, warning: powerShortfall(newVm.vm.name, reached, isPowerOnAsked) };
  },
};

/**
 * Why the new VM is not in the state asked for: restored and verified, but not started (or its
 * state not read), which a plain "succeeded" would hide.
 */
function powerShortfall(name: string, reached: PowerState | undefined, isPowerOnAsked: boolean): string {
  const state = reached === undefined ? 'in a power state Migawka could not read' : reached;
  return isPowerOnAsked
    ? `${name} was restored and verified but did not start: it is ${state}; start it on its host`
    : `${name} was restored and verified; it is ${state} (treated as running, for safety, until its host's next sync reads it)`;
}

type RevertRun = StepRun<'revert-volume'>;

/**
 * The operator confirmed the VMs on the volume when the revert was planned; the revert may have
 * waited in the queue (behind locks, for an approval) since. Right before anything is touched the
 * volume's VMs and host volumes are derived again from the inventory as the syncs keep it: one
 * added since (moved onto the volume, created there) would be destroyed unseen, so the revert
 * refuses, naming it. Returns the confirmed VMs still on the volume: one that left is neither
 * stopped nor recorded off.
 */
async function vmsStillOnVolume(step: RevertRun): Promise<string[]> {
  const { volume, groupVolumeIds = [] } = step.params;
  const seed =
    volume.kind === 'host-volume'
      ? { hostVolumeIds: [volume.id] }
      : { arrayVolumeIds: [volume.id, ...groupVolumeIds] };
  const drift = revertDrift(
    indexInventory(await step.stores.inventory.loadNeighbourhood([], seed)),
    step.params,
  );
  const refusal = revertDriftRefusal(drift);
  if (refusal) throw new DriverError('invalid-state', refusal, { isRetryable: false });
  if (drift.leftVmIds.length > 0) {
    const names = await namesOfVms(step.stores, drift.leftVmIds);
    step.log(
      'info',
      `${names} ${drift.leftVmIds.length === 1 ? 'is' : 'are'} no longer on ${drift.volumeName}: the revert does not stop ${drift.leftVmIds.length === 1 ? 'it' : 'them'}`,
    );
  }
  return drift.remainingVmIds;
}

/**
 * The plan asked the operator to acknowledge the VMs it saw running; it saw the stored power
 * states. Before anything is stopped, every other VM on the volume is asked live: one running
 * although stored off was never acknowledged, so the revert stops here, and the inventory takes
 * the live state so the next review asks for it.
 */
async function refuseUnacknowledgedRunning(step: RevertRun, vmIds: string[]) {
  const { stoppableVmIds = [] } = step.params;
  const running: { vmId: string; powerState: PowerState }[] = [];
  for (const vmId of vmIds) {
    if (stoppableVmIds.includes(vmId)) continue;
    const powerState = await (await step.drivers.hypervisorForVm(vmId)).getPowerState(vmId, step.call);
    if (powerState === 'running' || powerState === 'paused') running.push({ vmId, powerState });
  }
  if (running.length === 0) return;
  await recordPowerStates(step.stores, running);
  const names = await namesOfVms(
    step.stores,
    running.map((vm) => vm.vmId),
  );
  const one = running.length === 1;
  throw new DriverError(
    'invalid-state',
    `${names} ${one ? 'is' : 'are'} running although the inventory showed ${one ? 'it' : 'them'} off, and nobody acknowledged stopping ${one ? 'it' : 'them'}: nothing was reverted. The inventory now shows ${one ? 'it' : 'them'} running; review the restore again`,
    { isRetryable: false },
  );
}

export const revertVolume: StepHandler<'revert-volume'> = {
  deadlineMs: 12 * HOUR,
  async run(step) {
    const vmIds = await vmsStillOnVolume(step);
    await refuseUnacknowledgedRunning(step, vmIds);
    const driver = await volumeDriverFor(step.drivers, step.params.volume);
    const result = await driver.revertVolume(
      { ...step.params, vmIds },
      step.drivers.repository(),
      step.transfer,
    );
    // The revert stopped every VM on the volume and leaves them off: the inventory says so.
    await recordPowerStates(
      step.stores,
      vmIds.map((vmId) => ({ vmId, powerState: 'off' as const })),
    );
    return copied(result);
  },
};

export const stageVolume: StepHandler<'stage-volume'> = {
  deadlineMs: 12 * HOUR,
  async run(step) {
    const driver = await volumeDriverFor(step.drivers, step.params.volume);
    return copied(await driver.stageVolume(step.params, step.drivers.repository(), step.transfer));
  },
};

/**
 * The staged clone's LUNs when an array staged the volume (and says where: stagedLuns), so the
 * VM's host copies the VM out of them; undefined when the host staged it itself (WSB's folder).
 * Asked of the array on every attempt: a retried copy-out finds the clone the stage made.
 */
async function stagedLunsFor(step: StepRun<'copy-out-vm'>): Promise<ExposedLun[] | undefined> {
  const staged = step
    .plan()
    .steps.find(
      (candidate) =>
        candidate.kind === 'stage-volume' &&
        (candidate.params as { stagingId?: string }).stagingId === step.params.stagingId,
    );
  const { volume, groupVolumeIds = [] } = (staged?.params ?? {}) as {
    volume?: VolumeRef;
    groupVolumeIds?: string[];
  };
  if (volume?.kind !== 'array-volume') return undefined;
  const array = await step.drivers.arrayForArrayVolume(volume.id);
  if (!array.stagedLuns) return undefined;
  return array.stagedLuns(
    { stagingId: step.params.stagingId, arrayVolumeIds: [volume.id, ...groupVolumeIds] },
    step.call,
  );
}

export const copyOutVm: StepHandler<'copy-out-vm'> = {
  deadlineMs: 12 * HOUR,
  async run(step) {
    const { stagingId, restorePointId, target, newVmName } = step.params;
    const hypervisor = await step.drivers.hypervisorForVm(step.vmId());
    const luns = await stagedLunsFor(step);
    return copied(
      await hypervisor.copyOutVm(
        {
          stagingId,
          restorePointId,
          vmId: step.vmId(),
          target,
          newVmName: newVmName ?? undefined,
          ...(luns ? { luns } : {}),
        },
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

/**
 * A driver that finds what it wrote differs from the manifest throws (data-corrupt), failing its
 * step. `verified: false` on a succeeded step says something else: the driver could not read back
 * what it restored (an array reverting or cloning a LUN itself), so nothing was compared. That is
 * unverified, a warning, never "corrupt": the restore did happen, and the steps after it still run.
 */
export const verifyRestored: StepHandler<'verify-restored'> = {
  deadlineMs: 2 * MINUTE,
  async run(step) {
    const { restoreStepKeys } = step.params;
    const rows = (await step.stores.operations.steps(step.operation.id)).filter((row) =>
      restoreStepKeys.includes(row.key),
    );
    const unverified: string[] = [];
    for (const key of restoreStepKeys) {
      const row = rows.find((candidate) => candidate.key === key);
      if (row?.status !== 'succeeded') {
        throw new DriverError('data-corrupt', `restore step "${row?.title ?? key}" did not finish`, {
          isRetryable: false,
        });
      }
      if (row.resultJson?.verified !== true) unverified.push(row.title);
    }
    if (unverified.length === 0) return { status: 'succeeded' };
    const what = unverified.map((title) => `"${title}"`).join(' and ');
    return {
      status: 'succeeded',
      warning: `what ${what} wrote was not re-hashed against the point's manifest (its driver cannot read it back): the restored data is unverified`,
    };
  },
};
