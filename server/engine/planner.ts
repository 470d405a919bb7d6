/**
 * Method planner (DOMAIN.md §4): for one VM, every backup method with what it would achieve.
 */
import type { InventoryIndex } from './inventory';
import type { BackupMethod, CaptureState, Consistency, Finding, ObjectRef } from './types';

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

export interface PlanMethodsOptions {
  /** Quiesced snapshots asked by the job; default: asked for VMs that run applications. */
  quiesce?: boolean;
  /** What a method that cannot reach its consistency does: fail the VM ('require') or downgrade ('fallback', default). */
  consistencyPolicy?: 'require' | 'fallback';
}
