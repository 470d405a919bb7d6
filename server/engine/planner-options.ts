/**
 * The planner's options (planner.ts): how a VM is captured (the Capture constants), an option that is
 * not available, and an available one, shared between VMs where it names nothing of its VM.
 */
import type { MethodOption } from './method-plan';
import { ownOption } from './planner-recommendation';
import { SAVED_STATE_DOWNTIME_SECONDS } from './rules';
import type { RuleContext } from './rules/context';
import { NONE } from './rules/context';
import type { BackupMethod, CaptureState, ObjectRef } from './types';

export type Capture = Pick<MethodOption, 'consistency' | 'captureState' | 'expectedDowntimeSeconds'>;
export function stateWhenNotCaptured(ctx: RuleContext): CaptureState {
  if (ctx.vm.powerState === 'off') return 'offline';
  if (ctx.vm.powerState === 'saved') return 'saved-state';
  return 'online';
}

export function unavailable(ctx: RuleContext, method: BackupMethod, reasons: string[]): MethodOption {
  return {
    method,
    isAvailable: false,
    unavailableReasons: reasons,
    consistency: null,
    captureState: stateWhenNotCaptured(ctx),
    expectedDowntimeSeconds: 0,
    excludedDisks: NONE,
    coCapturedVms: NONE,
    findings: NONE,
    isRecommended: false,
  };
}

/**
 * An available option that names nothing of its VM (no excluded disk, no other VM captured) is the
 * same for every VM captured the same way: one shared frozen option per capture and method, and
 * one shared frozen recommended version of it (RECOMMENDED_VERSIONS), so the usual plan — an online
 * Hyper-V VSS or XenServer snapshot with nothing left out — holds no option of its own. Captures are
 * the module's constants below, so these maps stay small.
 */
const SHARED_AVAILABLE = new Map<Capture, Map<BackupMethod, MethodOption>>();
const RECOMMENDED_VERSIONS = new WeakMap<MethodOption, MethodOption>();

export function available(
  method: BackupMethod,
  capture: Capture,
  excludedDisks: ObjectRef[],
  coCapturedVms: ObjectRef[],
): MethodOption {
  if (excludedDisks !== NONE || coCapturedVms !== NONE) {
    return availableOption(method, capture, excludedDisks, coCapturedVms);
  }
  let byMethod = SHARED_AVAILABLE.get(capture);
  if (!byMethod) {
    byMethod = new Map();
    SHARED_AVAILABLE.set(capture, byMethod);
  }
  let option = byMethod.get(method);
  if (!option) {
    option = Object.freeze(availableOption(method, capture, NONE, NONE));
    RECOMMENDED_VERSIONS.set(option, Object.freeze({ ...option, isRecommended: true }));
    byMethod.set(method, option);
  }
  return option;
}

function availableOption(
  method: BackupMethod,
  capture: Capture,
  excludedDisks: ObjectRef[],
  coCapturedVms: ObjectRef[],
): MethodOption {
  return {
    method,
    isAvailable: true,
    unavailableReasons: NONE,
    consistency: capture.consistency,
    captureState: capture.captureState,
    expectedDowntimeSeconds: capture.expectedDowntimeSeconds,
    excludedDisks,
    coCapturedVms,
    findings: NONE,
    isRecommended: false,
  };
}

/** The recommended version of an option: shared for the shared available ones, else the VM's own. */
export function recommendedVersion(option: MethodOption): MethodOption {
  const shared = RECOMMENDED_VERSIONS.get(option);
  if (shared) return shared;
  const own = ownOption(option);
  own.isRecommended = true;
  return own;
}

export const ONLINE_CRASH: Capture = {
  consistency: 'crash',
  captureState: 'online',
  expectedDowntimeSeconds: 0,
};
export const ONLINE_FILESYSTEM: Capture = {
  consistency: 'filesystem',
  captureState: 'online',
  expectedDowntimeSeconds: 0,
};
export const ONLINE_APPLICATION: Capture = {
  consistency: 'application',
  captureState: 'online',
  expectedDowntimeSeconds: 0,
};
export const OFFLINE_FILESYSTEM: Capture = {
  consistency: 'filesystem',
  captureState: 'offline',
  expectedDowntimeSeconds: 0,
};
/** Already saved (or saved by the Hyper-V writer while paused): memory and disks together, no new downtime. */
export const ALREADY_SAVED: Capture = {
  consistency: 'application',
  captureState: 'saved-state',
  expectedDowntimeSeconds: 0,
};
export const SAVED_STATE_BACKUP: Capture = {
  consistency: 'application',
  captureState: 'saved-state',
  expectedDowntimeSeconds: SAVED_STATE_DOWNTIME_SECONDS,
};
