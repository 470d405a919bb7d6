/** What the planner answers per VM: each method's option, and the one recommended. */
import type { BackupMethod, CaptureState, Consistency, Finding, ObjectRef } from './types';

/**
 * One method for one VM. Plans are values: treat them as read-only. Empty lists and the options of
 * the other hypervisor's methods are shared, frozen objects (see rules/context.ts NONE).
 */
export interface MethodOption {
  method: BackupMethod;
  isAvailable: boolean;
  /** Why not, in plain words naming objects. Empty when available. */
  unavailableReasons: string[];
  /** What the method would achieve for this VM; null when unavailable. */
  consistency: Consistency | null;
  /** 'online' | 'saved-state' | 'offline' (VM powered off). */
  captureState: CaptureState;
  /** 0 when online or when the VM is already down. */
  expectedDowntimeSeconds: number;
  /** Disks the method leaves out (pass-through). */
  excludedDisks: ObjectRef[];
  /** Other VMs captured / rolled back with it (shared host volume for wsb-volume, shared array volume for array-snapshot). */
  coCapturedVms: ObjectRef[];
  /** Findings that concern this method. */
  findings: Finding[];
  isRecommended: boolean;
}

export interface MethodPlan {
  vmId: string;
  options: MethodOption[];
  recommended: BackupMethod | null;
  recommendationReason: string;
}
