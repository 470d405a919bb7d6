/**
 * Steps a host does to one VM and its guest: run-time power checks, saved state and resume,
 * guest freeze / thaw and the application's pre-freeze / post-thaw scripts, the host-cache flush.
 */
import { DriverError, GuestThawedEarlyError, isDriverError } from '../../engine/driver';
import { CAPTURE_STATE_LABELS, METHOD_IN_SENTENCE } from '../../engine/words';
import type { ArraySnapshotResult } from './array-snapshot';
import { MINUTE, type StepHandler, type StepRun } from './context';
import { namesOfVms } from './drivers';
import { recordPowerStates } from './inventory';

export const check: StepHandler<'check'> = {
  deadlineMs: 2 * MINUTE,
  async run(step) {
    const vmId = step.vmId();
    const { expectedCaptureState, expectedPowerState } = step.params;
    const power = await (await step.drivers.hypervisorForVm(vmId)).getPowerState(vmId, step.call);
    // The capture was planned for one power state: a VM already saved or paused gets no saved state
    // of its own, so found running it would be copied live, unquiesced, as if it were still saved.
    const isAsPlanned = expectedPowerState
      ? power === expectedPowerState
      : (expectedCaptureState !== 'offline') === (power === 'running');
    if (!isAsPlanned) {
      // The plan was made from a stored power state that is no longer true. Record the live one,
      // so the next preview plans from it instead of failing the same way forever.
      await recordPowerStates(step.stores, [{ vmId, powerState: power }]);
      const name = await namesOfVms(step.stores, [vmId]);
      const planned = expectedPowerState
        ? `the plan was made for ${name} ${expectedPowerState} (a ${expectedCaptureState} capture)`
        : `the plan expected a ${expectedCaptureState} capture`;
      throw new DriverError(
        'invalid-state',
        `${planned} but ${name} is ${power}; the inventory now shows it ${power}: preview the backup again`,
        { isRetryable: false },
      );
    }
    step.log(
      'info',
      `VM is ${power}; ${METHOD_IN_SENTENCE[step.params.method]} captures it ${CAPTURE_STATE_LABELS[step.params.expectedCaptureState].toLowerCase()}`,
    );
    return { status: 'succeeded' };
  },
};

export const powerOffCheck: StepHandler<'power-off-check'> = {
  deadlineMs: 2 * MINUTE,
  async run(step) {
    for (const vmId of step.params.vmIds) {
      const power = await (await step.drivers.hypervisorForVm(vmId)).getPowerState(vmId, step.call);
      if (power === 'running' || power === 'paused') {
        // Checked live, not from the inventory; the inventory takes the live state.
        await recordPowerStates(step.stores, [{ vmId, powerState: power }]);
        throw new DriverError(
          'invalid-state',
          `VM ${await namesOfVms(step.stores, [vmId])} is ${power}: power it off before restoring in place`,
          {
            isRetryable: false,
          },
        );
      }
    }
    return { status: 'succeeded' };
  },
};

export const saveState: StepHandler<'save-state'> = {
  deadlineMs: 10 * MINUTE,
  async run(step) {
    await (await step.drivers.hypervisorForVm(step.vmId())).saveState(step.vmId(), step.call);
    return { status: 'succeeded' };
  },
};

export const resume: StepHandler<'resume'> = {
  deadlineMs: 10 * MINUTE,
  async run(step) {
    await (await step.drivers.hypervisorForVm(step.vmId())).resume(step.vmId(), step.call);
    return { status: 'succeeded' };
  },
};

export const guestFreeze: StepHandler<'guest-freeze'> = {
  deadlineMs: 2 * MINUTE,
  async run(step) {
    const { timeoutMs } = step.params;
    const hypervisor = await step.drivers.hypervisorForVm(step.vmId());
    try {
      await hypervisor.freezeGuest(step.vmId(), timeoutMs, step.callWithExtra(timeoutMs));
    } catch (error) {
      // The point's reason names the VM as the operator knows it, not only by the connector's id.
      if (!isDriverError(error)) throw error;
      const name = await namesOfVms(step.stores, [step.vmId()]);
      if (error.message.includes(name)) throw error;
      throw new DriverError(error.faultCode, `${name} was not frozen: ${error.message}`, {
        isRetryable: error.isRetryable,
      });
    }
    return { status: 'succeeded' };
  },
};

/** The VM's array snapshot step's result, when it finished (undefined when there is none). */
async function arraySnapshotOf(step: StepRun<'guest-thaw' | 'post-thaw-script'>) {
  const vmId = step.vmId();
  const snapshotKeys = new Set(
    step
      .plan()
      .steps.filter(
        (s) => s.kind === 'array-snapshot' && (s.params as { vmIds?: string[] }).vmIds?.includes(vmId),
      )
      .map((s) => s.key),
  );
  if (snapshotKeys.size === 0) return undefined;
  const records = await step.stores.operations.steps(step.operation.id);
  const record = records.find(
    (r) => snapshotKeys.has(r.key) && (r.status === 'succeeded' || r.status === 'degraded'),
  );
  return (record?.resultJson ?? undefined) as Partial<ArraySnapshotResult> | undefined;
}

/** Whether the VM's array snapshot step already thawed it inside the array's write fence. */
async function wasThawedInFence(step: StepRun<'guest-thaw'>): Promise<boolean> {
  return (await arraySnapshotOf(step))?.thawedInFence?.includes(step.vmId()) === true;
}

export const guestThaw: StepHandler<'guest-thaw'> = {
  deadlineMs: 2 * MINUTE,
  async run(step) {
    if (await wasThawedInFence(step)) {
      step.log('info', 'already thawed inside the array snapshot’s write fence');
      return { status: 'succeeded', result: { thawedInFence: true } };
    }
    try {
      await (await step.drivers.hypervisorForVm(step.vmId())).thawGuest(step.vmId(), step.call);
    } catch (error) {
      if (!(error instanceof GuestThawedEarlyError)) throw error;
      // Thawed already, but when is unknown: the snapshot may hold writes made after that thaw.
      const thawedEarly = `${await namesOfVms(step.stores, [step.vmId()])}: ${error.message}; the snapshot may have been taken after that thaw, so the point is crash-consistent`;
      return { status: 'degraded', reason: thawedEarly, result: { thawedInFence: false, thawedEarly } };
    }
    return { status: 'succeeded', result: { thawedInFence: false } };
  },
};

export const flushHostIo: StepHandler<'flush-host-io'> = {
  deadlineMs: 5 * MINUTE,
  async run(step) {
    const { hostVolumeId } = step.params;
    await (await step.drivers.hypervisorForHostVolume(hostVolumeId)).flushHostIo(hostVolumeId, step.call);
    return { status: 'succeeded' };
  },
};

async function runScript(
  step: Parameters<StepHandler<'pre-freeze-script' | 'post-thaw-script'>['run']>[0],
  script: { command: string; timeoutSeconds: number },
) {
  const timeoutMs = script.timeoutSeconds * 1000;
  const hypervisor = await step.drivers.hypervisorForVm(step.vmId());
  const result = await hypervisor.runGuestScript(
    step.vmId(),
    { command: script.command, timeoutMs },
    step.callWithExtra(timeoutMs),
  );
  if (result.output) step.log('info', result.output);
  return result;
}

export const preFreezeScript: StepHandler<'pre-freeze-script'> = {
  deadlineMs: 2 * MINUTE,
  async run(step) {
    const { script } = step.params;
    const result = await runScript(step, script);
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
  },
};

export const postThawScript: StepHandler<'post-thaw-script'> = {
  deadlineMs: 2 * MINUTE,
  async run(step) {
    const { script } = step.params;
    // Run inside the array's write fence by the snapshot step: its answer stands, it is not run twice.
    const fenced = (await arraySnapshotOf(step))?.postThawInFence?.[step.vmId()];
    if (fenced) {
      step.log(
        'info',
        `ran inside the array snapshot’s write fence${fenced.output ? `: ${fenced.output}` : ''}`,
      );
      if (fenced.exitCode !== 0)
        return {
          status: 'degraded',
          reason: `post-thaw script "${script.command}" exited ${fenced.exitCode}`,
        };
      return { status: 'succeeded', result: { exitCode: 0, ranInFence: true } };
    }
    // The capture is already taken: a failing post-thaw script is a warning, never a failure.
    try {
      const result = await runScript(step, script);
      if (result.exitCode !== 0) {
        return {
          status: 'degraded',
          reason: `post-thaw script "${script.command}" exited ${result.exitCode}`,
        };
      }
      return { status: 'succeeded', result: { exitCode: 0 } };
    } catch (error) {
      // A host that did not answer in time may answer the next attempt; a hung script is a warning.
      if (isDriverError(error) && error.isRetryable && error.faultCode !== 'timeout') throw error;
      if (step.signal.aborted) throw error;
      return { status: 'degraded', reason: `post-thaw script failed: ${(error as Error).message}` };
    }
  },
};
