/**
 * The states an operation, its steps, its log lines, a verification and a captured file can be
 * in: shared by the runner, the stores (which persist them), the services and the browser (which
 * renders them), so they live here, in the pure engine, and nowhere else.
 */

/** `verify-point` / `delete-point`: an operator's verify or delete of one stored restore point. */
export const OPERATION_KINDS = ['backup', 'restore', 'verify-point', 'delete-point'] as const;
export type OperationKind = (typeof OPERATION_KINDS)[number];

export const OPERATION_STATUSES = [
  'queued',
  'waiting',
  'running',
  'cancelling',
  'succeeded',
  'succeeded-with-warnings',
  'failed',
  'cancelled',
  'interrupted',
] as const;
export type OperationStatus = (typeof OPERATION_STATUSES)[number];

/**
 * `succeeded-with-warnings`: every step finished and no VM failed, but something is less than
 * asked (a step degraded under the fallback policy, a disk left out, a VM captured below what its
 * own method gives); the operation's `warnings` say what, in words.
 */
export const FINAL_OPERATION_STATUSES = [
  'succeeded',
  'succeeded-with-warnings',
  'failed',
  'cancelled',
  'interrupted',
] as const;
export type FinalOperationStatus = (typeof FINAL_OPERATION_STATUSES)[number];
export function isFinalOperationStatus(status: OperationStatus): boolean {
  return (FINAL_OPERATION_STATUSES as readonly string[]).includes(status);
}

/** Ended with every VM backed up or restored (with or without warnings). */
export function isSuccessfulOperationStatus(status: OperationStatus): boolean {
  return status === 'succeeded' || status === 'succeeded-with-warnings';
}

/**
 * `degraded`: the step failed but the job's policy carried on without it (a freeze that timed
 * out under the `fallback` policy, a quiesced snapshot retaken unquiesced, a failing post-thaw
 * script); the reason is in `error` and lowers the consistency of the points it served.
 */
export const STEP_STATUSES = [
  'pending',
  'running',
  'succeeded',
  'degraded',
  'failed',
  'skipped',
  'cancelled',
] as const;
export type StepStatus = (typeof STEP_STATUSES)[number];

/**
 * The steps whose bytes an operation counts as copied: those done, and the one running. A copy that
 * failed, was cancelled or waits to retry kept nothing (its partial data is removed, and a retry
 * copies again from the start), so its bytes are not "copied". The stores' list statements name the
 * same statuses in SQL (operation-queries.ts of each).
 */
export const STEP_STATUSES_WITH_COPIED_BYTES = [
  'running',
  'succeeded',
  'degraded',
] as const satisfies readonly StepStatus[];

/** What an operation's steps copied (STEP_STATUSES_WITH_COPIED_BYTES). */
export function copiedBytesOf(steps: readonly { status: string; bytesDone: number }[]): number {
  let total = 0;
  for (const step of steps) {
    if ((STEP_STATUSES_WITH_COPIED_BYTES as readonly string[]).includes(step.status)) total += step.bytesDone;
  }
  return total;
}

export const LOG_LEVELS = ['info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const VERIFICATION_VERDICTS = ['intact', 'corrupt', 'missing'] as const;
export type VerificationVerdict = (typeof VERIFICATION_VERDICTS)[number];

/** What the lab's application check found in the captured files (null: not measurable). */
export const APPLICATION_STATES = ['clean', 'torn'] as const;
export type ApplicationState = (typeof APPLICATION_STATES)[number];

/**
 * How a sync of a connection (Hyper-V host, XenServer pool) ended: with warnings when some facts
 * could not be read (recorded as unknown), failed when nothing was merged.
 */
export const SYNC_OUTCOMES = ['succeeded', 'succeeded-with-warnings', 'failed'] as const;
export type SyncOutcome = (typeof SYNC_OUTCOMES)[number];
