/**
 * The protection port: per-VM protection status, runs needing attention and daily activity, as
 * the protection overview shows them. Statuses follow the enabled jobs' RPOs at `now`.
 */
import type { ProtectionStatus } from '../../../server/engine/protection';
import type { OperationKind, OperationStatus } from '../../../server/engine/statuses';
import type { CaptureState, Consistency } from '../../../server/engine/types';
import type { Page } from './page';

/** What the activity chart counts points by: their consistency, or a saved-state capture apart. */
export type PointCountBucket = Consistency | 'saved-state';

export interface VmProtection {
  vmId: string;
  vmName: string;
  hostId: string;
  hostName: string;
  status: ProtectionStatus;
  lastPoint: {
    id: string;
    createdAt: Date;
    consistency: Consistency;
    /** A saved-state point is consistent with no in-guest VSS: its label says so (words.ts consistencyLabel). */
    captureState: CaptureState;
    /** It does not hold every disk of the VM (isPartialPoint, stored by the catalog step). */
    isPartial: boolean;
    heldDiskIds: string[];
    missingDiskIds: string[];
  } | null;
  /** The strictest RPO among enabled jobs covering the VM; null when no job covers it. */
  rpoHours: number | null;
  /** The VM's newest backup (queued, running or ended); a verify, restore or deletion is not a run of its protection. */
  lastRun: { operationId: string; status: OperationStatus; createdAt: Date } | null;
}

/**
 * What the VM list and a VM's page show beside a VM: its row of the protection list without the
 * host and the last run, which they show in their own words.
 */
export type VmProtectionFacts = Pick<VmProtection, 'vmId' | 'status' | 'lastPoint' | 'rpoHours'>;

export interface RunNeedingAttention {
  operationId: string;
  kind: OperationKind;
  status: 'failed' | 'interrupted' | 'succeeded-with-warnings';
  title: string;
  error: string | null;
  /** Why it succeeded with warnings, in words ([] for failed and interrupted runs). */
  warnings: string[];
  jobId: string | null;
  createdAt: Date;
  finishedAt: Date | null;
  /**
   * A retry of this run that has not ended (queued, waiting, running, cancelling), the newest: the
   * run needs attention until a retry has ended, as nothing is backed up before; the page links it
   * instead of offering another retry.
   */
  unfinishedRetry: { operationId: string; status: OperationStatus } | null;
}

export interface VmProtectionQuery {
  status?: ProtectionStatus;
  /** Case-insensitive substring of the VM name. */
  search?: string;
  /** Only these VMs (the VM list's page, one VM's page). */
  vmIds?: string[];
  cursor?: string;
  limit: number;
}

export interface ProtectionStore {
  /** VMs by name (then id) with their status; keyset-paged. */
  listVmProtection(query: VmProtectionQuery, now: Date): Promise<Page<VmProtection>>;
  /**
   * The facts of the named VMs, by the computation `listVmProtection` pages (the contract holds the
   * two to the same answers); a VM that does not exist has no row. In no particular order.
   */
  protectionFactsOf(vmIds: readonly string[], now: Date): Promise<VmProtectionFacts[]>;
  /** How many VMs have each status (statuses nobody has are left out). */
  countVmsByStatus(now: Date): Promise<Partial<Record<ProtectionStatus, number>>>;
  /**
   * Runs created since `since` that need the operator, newest first: failed and interrupted ones
   * nobody has retried, and runs that succeeded with warnings (for a job, while no newer run of it
   * has ended: one still queued or running, or cancelled, does not take over).
   */
  listRunsNeedingAttention(since: Date, limit: number): Promise<RunNeedingAttention[]>;
  /**
   * Catalogued points per UTC day (YYYY-MM-DD) and consistency, for `days` days from `since`'s day;
   * a saved-state capture counts as 'saved-state', whatever level its hypervisor recorded.
   */
  countPointsByDay(
    since: Date,
    days: number,
  ): Promise<{ day: string; consistency: PointCountBucket; points: number }[]>;
  /** Backup operations per UTC day (YYYY-MM-DD) and status, created since `since`. */
  countBackupsByDay(since: Date): Promise<{ day: string; status: OperationStatus; runs: number }[]>;
}
