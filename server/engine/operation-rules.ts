/**
 * The runner's decisions that are not SQL: what an operation is called, which VMs it covers,
 * which step runs next, what a failure fails, whether a step is retried, and what recovery does
 * with an operation whose worker vanished. Every OperationStore implementation (SQLite today,
 * PostgreSQL next) reads the rows under its locks, asks these functions, and writes the answer,
 * so the two databases cannot drift apart in behaviour.
 */
import { isDriverError } from './driver';
import type { OperationPlan, RestoreMode, StepKind } from './plan-types';
import { describePoint } from './point-plan';
import type { FinalOperationStatus } from './statuses';
import { isSafeToRerun, type RetryPolicy, retryDelayMs, runsToEndOnceStarted } from './step-safety';
import { METHOD_LABELS } from './words';

/** The fields of a step row the decisions read (both implementations' rows have them). */
export interface StepState {
  key: string;
  kind: string;
  title: string;
  vmId: string | null;
  status: string;
  isCleanup: boolean;
  undoes: string | null;
  startedAt: Date | null;
  attempts: number;
  error: string | null;
  /** What the step left short of the plan, in words (a degraded step's reason, a left-out disk). */
  warning: string | null;
}

export function describePlan(plan: OperationPlan): string {
  if (plan.kind === 'backup') {
    const names = plan.vms.map((vm) => vm.vmName);
    const methods = [...new Set(plan.vms.map((vm) => METHOD_LABELS[vm.method] ?? vm.method))].join(', ');
    const who = names.length <= 3 ? names.join(', ') : `${names.slice(0, 3).join(', ')} +${names.length - 3}`;
    return `Backup ${who} (${methods})`;
  }
  if (plan.kind === 'verify-point' || plan.kind === 'delete-point') {
    const point = { vmName: plan.vmName, createdAt: plan.pointCreatedAt };
    return `${plan.kind === 'verify-point' ? 'Verify' : 'Delete'} ${describePoint(point)}`;
  }
  // A plan stored before it recorded its point's VM and time has only the point's id to go by.
  const point =
    plan.vmName === undefined || plan.pointCreatedAt === undefined
      ? `point ${plan.restorePointId}`
      : describePoint({ vmName: plan.vmName, createdAt: plan.pointCreatedAt });
  return `${RESTORE_TITLE_OPENINGS[plan.mode]} ${point}`;
}

/** How a restore's title opens, in words, before the point it restores from. */
const RESTORE_TITLE_OPENINGS: Record<RestoreMode, string> = {
  'as-new': 'Restore as a new VM from',
  staged: 'Staged restore from',
  'in-place': 'Restore in place from',
  'snapshot-revert': 'Revert the VM to',
  'volume-revert': 'Revert the whole volume to',
};

/** The VMs an operation covers (indexed for "operations of this VM"). */
export function vmIdsOfPlan(plan: OperationPlan): string[] {
  if (plan.kind === 'backup') return plan.vms.map((vm) => vm.vmId);
  if (plan.kind === 'verify-point' || plan.kind === 'delete-point') return [plan.vmId];
  return [...new Set([plan.vmId, ...plan.collateral.map((vm) => vm.vmId)])];
}

/** What admission needs from a stored plan (older rows may lack the arrays). */
export function lockKeysOfPlan(plan: OperationPlan): {
  lockKeys: string[];
  hostIds: string[];
  arrayIds: string[];
} {
  return { lockKeys: plan.lockKeys ?? [], hostIds: plan.hostIds ?? [], arrayIds: plan.arrayIds ?? [] };
}

/** Refuses a plan the runner must never see: blocked, or with two steps under one key. */
export function assertEnqueueable(plan: OperationPlan): void {
  if (!plan.isRunnable) throw new Error(`plan is not runnable: ${plan.blockedReasons.join('; ')}`);
  const keys = new Set<string>();
  for (const step of plan.steps) {
    if (keys.has(step.key)) throw new Error(`plan has two steps with key "${step.key}"`);
    keys.add(step.key);
  }
}

export function isStepFinished(status: string): boolean {
  return status !== 'pending' && status !== 'running';
}

/**
 * A guest freeze has succeeded and its thaw has not run yet. Inside that window the worker keeps
 * its lease between steps, so that if it dies there the lease expires and recovery sees the open
 * window (a freeze must stay under ~60 s: a snapshot taken after a takeover would not be quiesced).
 */
export function findOpenFreeze<S extends Pick<StepState, 'key' | 'kind' | 'status' | 'undoes'>>(
  steps: S[],
): S | undefined {
  return steps.find(
    (step) =>
      step.kind === 'guest-freeze' &&
      step.status === 'succeeded' &&
      steps.some((cleanup) => cleanup.undoes === step.key && cleanup.status === 'pending'),
  );
}

export interface NextStepDecision<S extends StepState> {
  /** Cleanups whose undone step never started: nothing to undo. */
  skip: { step: S; error: string }[];
  /** Regular work of an operation that is ending (failed, cancelled, interrupted). */
  cancel: S[];
  /** The step to lease, or null when nothing is left (the operation is finished). */
  next: S | null;
  /** Some step is running (in flight, or awaiting recovery): the operation is not claimable. */
  isBusy: boolean;
}

/** Which step of an operation runs next (steps in plan order). */
export function decideNextStep<S extends StepState>(steps: S[], isEnding: boolean): NextStepDecision<S> {
  if (steps.some((step) => step.status === 'running'))
    return { skip: [], cancel: [], next: null, isBusy: true };
  const byKey = new Map(steps.map((step) => [step.key, step]));
  return decidePendingSteps(
    steps.filter((step) => step.status === 'pending'),
    isEnding,
    (step) => (step.undoes ? byKey.get(step.undoes) : undefined),
  );
}

/** What the next-step rule reads of the step a cleanup undoes. */
export interface UndoneStep {
  title: string;
  startedAt: Date | null;
}

/**
 * decideNextStep over an operation that has no running step, given its pending steps in plan
 * order, each cleanup's undone step looked up by `undoneOf` (undefined: no such step). Each pending
 * step is decided on its own, and the first that runs ends the walk, so a store may pass the pending
 * steps a few at a time, in order, and stop at the first round that has a `next`.
 */
export function decidePendingSteps<S extends StepState>(
  pending: S[],
  isEnding: boolean,
  undoneOf: (step: S) => UndoneStep | undefined,
): NextStepDecision<S> {
  const decision: NextStepDecision<S> = { skip: [], cancel: [], next: null, isBusy: false };
  for (const step of pending) {
    const undone = step.undoes ? undoneOf(step) : undefined;
    if (step.isCleanup && undone?.startedAt == null) {
      decision.skip.push({ step, error: `nothing to undo: "${undone?.title ?? step.undoes}" never started` });
      continue;
    }
    if (isEnding && isDroppedWhenEnding(step)) {
      decision.cancel.push(step);
      continue;
    }
    decision.next = step;
    break;
  }
  return decision;
}

/**
 * Whether an ending operation (failed, cancelled, interrupted) drops this pending step: every regular
 * step but a deletion of restore points that has started (its retry waiting, or to be run again after
 * its worker died): dropped half-way, it would leave a point listed whose data is gone (step-safety.ts).
 */
export function isDroppedWhenEnding(step: Pick<StepState, 'isCleanup' | 'kind' | 'startedAt'>): boolean {
  if (step.isCleanup) return false;
  return step.startedAt == null || !runsToEndOnceStarted(step.kind as StepKind);
}

export type FailureDecision =
  | { kind: 'retry'; nextAttemptAt: Date; message: string; faultCode: string | null }
  | { kind: 'fail'; detail: string; faultCode: string | null };

/** A failed step: retried with backoff (retryable driver fault, attempts left, not cancelling) or failed. */
export function decideStepFailure(
  error: unknown,
  attempts: number,
  policy: RetryPolicy,
  isCancelling: boolean,
  now: Date,
): FailureDecision {
  const message = error instanceof Error ? error.message : String(error);
  const faultCode = isDriverError(error) ? error.faultCode : null;
  const isRetryable = isDriverError(error) && error.isRetryable;
  if (isRetryable && attempts < policy.maxAttempts && !isCancelling) {
    return {
      kind: 'retry',
      nextAttemptAt: new Date(now.getTime() + retryDelayMs(policy, attempts)),
      message,
      faultCode,
    };
  }
  const detail = isRetryable ? `${message} (gave up after ${attempts} attempts)` : message;
  return { kind: 'fail', detail, faultCode };
}

export interface FailureScope {
  /** VMs whose remaining (non-cleanup) steps are skipped; empty when the operation fails whole. */
  vmIds: string[];
  /** Their names, as the operation's error gives them to the operator (ids mean nothing to them). */
  vmNames: string[];
  /** True when the whole operation can no longer succeed. */
  failsOperation: boolean;
}

/**
 * Failure scope: a step naming VMs fails only those VMs when a backup covers others that are
 * still alive (their remaining work is skipped, their owed cleanups still run); any other
 * failure fails the operation.
 */
export function decideFailureScope(
  plan: OperationPlan,
  failedVmIds: string[],
  /** VMs with a failed regular step, this failure included (read after recording it). */
  vmsWithFailedSteps: string[],
): FailureScope {
  const planVmIds = vmIdsOfPlan(plan);
  const isVmScoped =
    plan.kind === 'backup' && failedVmIds.length > 0 && planVmIds.some((vmId) => !failedVmIds.includes(vmId));
  if (!isVmScoped) return { vmIds: [], vmNames: [], failsOperation: true };
  const dead = new Set(vmsWithFailedSteps);
  const vms = plan.kind === 'backup' ? plan.vms : [];
  const nameOf = new Map(vms.map((vm) => [vm.vmId, vm.vmName] as const));
  return {
    vmIds: failedVmIds,
    vmNames: failedVmIds.map((vmId) => nameOf.get(vmId) ?? vmId),
    failsOperation: planVmIds.every((vmId) => dead.has(vmId)),
  };
}

export interface RecoveryDecision {
  decision: 'resume' | 'interrupt';
  reason: string;
}

/**
 * An operation whose worker stopped renewing its lease: a running step is re-run when that is
 * safe (step-safety.ts); otherwise, or when the worker died inside a guest freeze window, the
 * operation ends `interrupted` once its owed cleanups have run.
 */
/**
 * Whether recovery takes over an operation whose lease expired. Another worker's: always, it is
 * presumed gone. The recovering worker's own (`exceptOwner`) only when it said which operations it
 * runs a step of (`runningHere`) and this one has a step recorded running that it does not run:
 * a claim that committed while its answer was lost (a PostgreSQL connection dropped after COMMIT),
 * or a completion it gave up. Nobody would ever finish that step. Its own operation between steps
 * (a freeze window, a retry waiting) it goes on with itself, and a step it still runs is only late
 * in renewing (a stalled event loop, issue 7 §6).
 */
export function isTakenOverByRecovery(
  leaseOwner: string | null,
  steps: StepState[],
  operationId: string,
  recovering: { exceptOwner?: string; runningHere?: readonly string[] },
): boolean {
  if (leaseOwner === null) return false;
  if (!recovering.exceptOwner || leaseOwner !== recovering.exceptOwner) return true;
  if (!recovering.runningHere || recovering.runningHere.includes(operationId)) return false;
  return steps.some((step) => step.status === 'running');
}

/**
 * What recovery does with an operation whose lease expired. `isOwnLease`: the recovering worker
 * held it itself and does not run its step (isTakenOverByRecovery): it did not stop, it lost track
 * of the step, and the reason says so.
 */
export function decideRecovery<S extends StepState>(
  previousOwner: string | null,
  steps: S[],
  isOwnLease = false,
): RecoveryDecision {
  const running = steps.find((step) => step.status === 'running');
  const openFreeze = findOpenFreeze(steps);
  const worker = workerName(previousOwner);
  const lostDuring = (title: string) =>
    isOwnLease ? `${worker} lost track of "${title}"` : `${worker} stopped during "${title}"`;
  if (running && !isSafeToRerun(running.kind as Parameters<typeof isSafeToRerun>[0])) {
    return {
      decision: 'interrupt',
      reason: `${lostDuring(running.title)}, which is not safe to run twice`,
    };
  }
  if (openFreeze) {
    const lost = isOwnLease ? `${worker} lost track of the operation` : `${worker} stopped`;
    return {
      decision: 'interrupt',
      // The freeze step's title names the VM ("Freeze the file systems of sql-01"); its id
      // would mean nothing to the operator reading why the run was interrupted.
      reason: `${lost} after "${openFreeze.title}" and before the thaw; the freeze window cannot be trusted`,
    };
  }
  return {
    decision: 'resume',
    reason: running
      ? `${lostDuring(running.title)}; it is safe to run again`
      : `${worker} stopped between steps; resuming after the last finished step`,
  };
}

/**
 * A worker as the operator can find it: the host and process a console worker's id names
 * (`<host>:<pid>:<random>`, jobs/worker.ts), else the id a deployment gave it.
 */
export function workerName(owner: string | null): string {
  if (owner === null) return 'a worker';
  const parts = /^(.+):(\d+):[a-z0-9]+$/.exec(owner);
  return parts ? `the worker on ${parts[1]} (process ${parts[2]})` : `worker ${owner}`;
}

/**
 * The final status of an operation whose steps are all finished: a succeeded operation with a
 * warning on any step (a degraded step, a point short of its plan) succeeded with warnings, never
 * plainly succeeded. A cancel that came after every regular step had done its work (the last one
 * finished while the cancel was on its way, or only cleanups were left) stopped nothing: the
 * operation ends as its steps say, never "cancelled" over points made or a point deleted.
 */
export function decideFinalStatus(
  endingAs: 'failed' | 'cancelled' | 'interrupted' | null,
  steps: StepState[],
  planShortfalls: readonly string[] = [],
): FinalOperationStatus {
  if (endingAs === 'cancelled' && isEveryRegularStepDone(steps)) return statusOfSteps(steps, planShortfalls);
  if (endingAs) return endingAs;
  return statusOfSteps(steps, planShortfalls);
}

/**
 * What the plan itself leaves undone of what was asked, known before any step runs: a VM of the
 * scope gone from its host is not backed up (BACKUP-VM-GONE), and no step carries it. The stores
 * write these as the operation's warnings when they enqueue it, and its final status counts them
 * as it counts a step's warning: a job of sql01 and sql02 whose sql02 is gone does not end a plain
 * "succeeded".
 */
export function planShortfallsOf(plan: OperationPlan): string[] {
  if (plan.kind !== 'backup') return [];
  const shortfalls: string[] = [];
  for (const finding of plan.findings) {
    if (finding.ruleId === 'BACKUP-VM-GONE') shortfalls.push(finding.message);
  }
  return shortfalls;
}

/** The warnings a finished operation carries: the plan's shortfalls, then every step's. */
export function describeOutcomeWarnings(planShortfalls: readonly string[], steps: StepState[]): string[] {
  return [...planShortfalls, ...describeWarnings(steps)];
}

function isEveryRegularStepDone(steps: StepState[]): boolean {
  return steps.every((step) => step.isCleanup || step.status === 'succeeded' || step.status === 'degraded');
}

function statusOfSteps(steps: StepState[], planShortfalls: readonly string[]): FinalOperationStatus {
  if (steps.some((step) => step.status === 'failed')) return 'failed';
  return describeOutcomeWarnings(planShortfalls, steps).length > 0 ? 'succeeded-with-warnings' : 'succeeded';
}

/** Every step's warning, in plan order, as "step title: what happened". */
export function describeWarnings(steps: StepState[]): string[] {
  const warnings: string[] = [];
  for (const step of steps) {
    const warning = step.warning ?? (step.status === 'degraded' ? (step.error ?? 'degraded') : null);
    if (warning) warnings.push(`${step.title}: ${warning}`);
  }
  return warnings;
}
