/**
 * What the runner may do with a step that was running when its worker died (lease expired).
 *
 * Re-running is safe when the driver call is idempotent for the same ids (the Driver contract:
 * snapshots, copies, restores and deletes are keyed by engine-chosen ids) or when the step only
 * reads or writes the database idempotently (catalog inserts ON CONFLICT DO NOTHING).
 *
 * Not safe:
 * - pre-freeze / post-thaw scripts: arbitrary operator commands; running one twice (putting a
 *   database into backup mode twice, rotating a log twice) can do harm we cannot see.
 * - guest-freeze: a freeze interrupted half-way leaves the guest in an unknown state, and the
 *   ~60 s freeze budget is long gone by the time a lease expires; its thaw still runs.
 * Those end the operation `interrupted` after its owed cleanups (thaw, resume, release) ran.
 */
import type { StepKind } from '../engine/plan-types';

const UNSAFE_TO_RERUN: ReadonlySet<StepKind> = new Set([
  'pre-freeze-script',
  'post-thaw-script',
  'guest-freeze',
]);

export function isSafeToRerun(kind: StepKind): boolean {
  return !UNSAFE_TO_RERUN.has(kind);
}

/**
 * Deletions of restore points: once started, a cancel does not stop them (a lost lease still does;
 * the worker that takes over runs them again, which is safe). Stopped half-way, a deletion would
 * leave a point listed whose stored data, or whose array snapshot, is already gone, and the
 * operation saying "cancelled" as if nothing had been destroyed. Their deadline still bounds them.
 */
const RUN_TO_END_ONCE_STARTED: ReadonlySet<StepKind> = new Set([
  'delete-point',
  'discard-newer-points',
  'apply-retention',
]);

export function runsToEndOnceStarted(kind: StepKind): boolean {
  return RUN_TO_END_ONCE_STARTED.has(kind);
}

/**
 * Steps that overwrite live data: an in-place restore of a VM's disks or its copy back from a
 * scratch area, a volume's revert, a VM's revert to its snapshot on the pool. Once one has started,
 * stopping it would leave the VM or volume half-written, neither as it was nor as the point holds
 * it, under an operation saying "cancelled". So a restore that has started one can no longer be
 * cancelled: the stores refuse the cancel in the transaction that would record it (a claim starts a
 * step in its own transaction, so no cancel slips in between), and the restore runs to its end,
 * verified, as the operator planned. A cancel accepted before then drops the step unstarted. A
 * restore as a new VM overwrites nothing and stays cancellable throughout.
 */
export function overwritesLiveData(step: { kind: string; params: Record<string, unknown> }): boolean {
  switch (step.kind) {
    case 'revert-volume':
    case 'revert-pool-snapshot':
      return true;
    case 'restore-disks':
    case 'copy-out-vm':
      return step.params.target === 'in-place';
    default:
      return false;
  }
}

/** The kinds overwritesLiveData may answer true for: what a store reads the params of. */
export const LIVE_OVERWRITE_KINDS: readonly StepKind[] = [
  'revert-volume',
  'revert-pool-snapshot',
  'restore-disks',
  'copy-out-vm',
];

/** The first step of those given (started ones, with their params) that overwrites live data, or null. */
export function firstLiveOverwrite<T extends { kind: string; params: Record<string, unknown> }>(
  startedSteps: readonly T[],
): T | null {
  return startedSteps.find(overwritesLiveData) ?? null;
}

/** Retry schedule for retryable driver failures: exponential, capped. */
export interface RetryPolicy {
  /** Attempts in total, the first one included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 4, baseDelayMs: 2000, maxDelayMs: 60_000 };

/** Delay before attempt `attempt + 1` after `attempt` failed (1-based): base, 2×base, 4×base… */
export function retryDelayMs(policy: RetryPolicy, attempt: number): number {
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
}
