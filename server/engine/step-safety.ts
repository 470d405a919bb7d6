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
