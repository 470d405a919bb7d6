/**
 * The durable runner's store: every transition of an operation or step is one verb, and each verb
 * is one short transaction. Driver calls happen between verbs, never inside one (worker.ts).
 *
 *   enqueue ─► queued ─(admission in claimNext)─► waiting ⇄ queued ─► running ─► succeeded | failed
 *                                                           │ cancel        ▲
 *                                                           ▼               │
 *                                                        cancelling ─► cancelled
 *   lease expired while running ─► recoverExpiredLeases: resume after the last finished step, or interrupted
 *
 * What is not SQL — which step runs next, what a failure fails, retry or give up, resume or
 * interrupt — is decided by server/engine/operation-rules.ts, so every implementation behaves
 * the same; an implementation only reads rows under the right locks and writes the answer.
 *
 * Concurrency contract (what an implementation must guarantee):
 * - `claimNext` admits queued operations and leases one step atomically: two workers never lease
 *   the same operation, and admission sees every running operation's locks. Admission examines a
 *   bounded batch of the operations woken since (enqueued, or waiting on something released), so a
 *   claim costs the same however long the queue (db/schema-admission.ts).
 *   SQLite: one `BEGIN IMMEDIATE` transaction (the database write lock serialises claims).
 *   PostgreSQL: admission under `pg_advisory_xact_lock(<runner>)` (one admission at a time, and
 *   every writer that wakes waiting operations takes it too, so no wake-up is lost); then `SELECT … FROM operations WHERE status IN
 *   ('running','cancelling') AND (lease_owner IS NULL OR lease_expires_at < now OR lease_owner = $me)
 *   ORDER BY started_at, id FOR UPDATE SKIP LOCKED`, so concurrent claimers skip each other's
 *   candidates instead of queueing behind them.
 * - Every write on behalf of a worker (`renewLease`, `completeStep`) checks the lease owner in
 *   the same statement/transaction (`UPDATE … WHERE id = $op AND lease_owner = $me`; PostgreSQL:
 *   `SELECT … FOR UPDATE` on the operation row first), so a worker that lost its lease can
 *   never overwrite what the new owner does ("lease theft refused").
 * - `cancel`, `recoverExpiredLeases` and `completeStep` lock the operation row (`FOR UPDATE`)
 *   before reading its steps; `recoverExpiredLeases` uses `FOR UPDATE SKIP LOCKED` so two
 *   recovering workers never take over the same operation twice.
 * - Locks (`locks` rows) are inserted in the transaction that admits an operation and deleted
 *   in the one that finishes it; the primary key on the lock key makes a double grant impossible.
 * - Events are appended in the transaction of the change they describe and get increasing ids;
 *   they are published to `subscribe` listeners of this process only after that commit
 *   (PostgreSQL may add LISTEN/NOTIFY to reach other processes; `readEventsAfter` always works).
 */
import type { AdmissionLimits, WorkerScope } from '../../../server/engine/admission';
import type { OperationPlan, PlanStep } from '../../../server/engine/plan-types';
import type { OperationKind, OperationStatus } from '../../../server/engine/statuses';
import type { RetryPolicy } from '../../../server/engine/step-safety';
import type { operationPayloads, operationSteps, operations, stepLogs } from '../../schema';
import type { OperationEvent, OperationEventPayloads, OperationEventType } from './operation-events';
import type { Page } from './page';

export interface OperationListQuery {
  status?: OperationStatus[];
  kind?: OperationKind;
  vmId?: string;
  jobId?: string;
  /** Requested at or after / before these instants (a job's run history by date). */
  createdFrom?: Date;
  createdBefore?: Date;
  cursor?: string;
  limit: number;
}

/** A row of the operations list: the operation and its progress over its steps. */
export interface OperationListItem {
  id: string;
  kind: OperationKind;
  status: OperationStatus;
  title: string;
  waitingReason: string | null;
  jobId: string | null;
  /** Queued by the scheduler at its time; false for a job's "Run now", a retry or a wizard's run. */
  isScheduledRun: boolean;
  retryOfId: string | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  error: string | null;
  /** Why it succeeded with warnings, in words ([] otherwise). */
  warnings: string[];
  attempt: number;
  stepsTotal: number;
  /** Steps that did their work (succeeded or degraded). */
  stepsDone: number;
  stepsFailed: number;
  /** Skipped or cancelled: they never ran. */
  stepsNotRun: number;
  bytesDone: number;
}
export type { OperationEvent, OperationEventPayloads, OperationEventType } from './operation-events';

/** The `operations` row: status, lease, outcome, actors (what claims and completions change). */
export type OperationRow = typeof operations.$inferSelect;
/** An operation as stored: its row with its plan and request (JSON, `operation_payloads`). */
export type OperationRecord = OperationRow &
  Pick<typeof operationPayloads.$inferSelect, 'planJson' | 'requestJson'>;
/** A step as stored (status, attempts, bytes, the driver's result). */
export type StepRecord = typeof operationSteps.$inferSelect;
export type StepLogRecord = typeof stepLogs.$inferSelect;
export type LogLevel = 'info' | 'warn' | 'error';

export interface EnqueueOptions {
  id: string;
  now: Date;
  /** actorLabel() of who asked for it (SCHEDULER_ACTOR for scheduled runs). */
  requestedBy: string;
  jobId?: string | null;
  retryOfId?: string | null;
  /** Default: describePlan(plan). */
  title?: string;
  /** Default: plan.kind. Point verify/delete operations carry their own kind. */
  kind?: OperationKind;
}

export interface ClaimOptions {
  workerId: string;
  now: Date;
  leaseMs: number;
  limits?: AdmissionLimits;
  /**
   * The hosts and arrays this worker takes (`migawka worker --hosts/--arrays`); it claims steps
   * only of operations whose every host and array it takes. Absent: everything.
   */
  serves?: Pick<WorkerScope, 'hostIds' | 'arrayIds'>;
}

export interface ClaimedStep {
  operation: OperationRecord;
  step: StepRecord;
  planStep: PlanStep;
}

export interface LeaseState {
  isOwner: boolean;
  isCancelling: boolean;
}

export type StepOutcome =
  /** `warning`: done, but short of the plan (a left-out disk, a point below what was asked), in words. */
  | { status: 'succeeded'; bytes?: number; result?: Record<string, unknown>; warning?: string }
  /** Failed, but the job's policy carries on without it (the reason lowers the points' consistency). */
  | { status: 'degraded'; reason: string; bytes?: number; result?: Record<string, unknown> }
  | { status: 'failed'; error: unknown; failedVmIds?: string[] }
  /** Aborted because the operation is being cancelled. */
  | { status: 'cancelled' };

/**
 * What a step reported while it ran and its worker held back (server/jobs/held-notes.ts): its log
 * lines, and its last progress. The completion writes them first, in its own transaction, while
 * the attempt is not recorded yet (isUnrecordedAttempt) — whoever holds the lease, as appendLog
 * and recordProgress would have — and never twice: a completion retried after its first try
 * landed finds the attempt recorded.
 */
export interface HeldStepNotes {
  logs: { level: LogLevel; message: string; at: Date }[];
  progress: { bytesDone: number; bytesTotal?: number; at: Date } | null;
}

/** The step still runs the attempt a worker claimed: its completion has not been recorded. */
export function isUnrecordedAttempt(
  step: { status: string; attempts: number },
  claimed: { step: { attempts: number } },
): boolean {
  return step.status === 'running' && step.attempts === claimed.step.attempts;
}

export interface CompleteOptions {
  workerId: string;
  now: Date;
  retry?: RetryPolicy;
  /** Lease kept between steps inside a freeze window. */
  leaseMs?: number;
  /** Log lines and progress not yet written (one commit for them and the outcome). */
  notes?: HeldStepNotes;
}

/**
 * 'overwriting': refused, nothing changed: a restore that has started overwriting live data runs to
 * its end (step-safety.ts overwritesLiveData).
 */
export type CancelResult = 'cancelled' | 'cancelling' | 'already-final' | 'overwriting';

export interface RecoveryReport {
  operationId: string;
  decision: 'resume' | 'interrupt';
  reason: string;
}

export interface RecoverOptions {
  /**
   * The recovering worker's own id: operations whose lease it holds are never taken over by it.
   * A worker that is alive is still running them — a stalled event loop made its lease look
   * expired, it did not lose the step (issue 7 §6). Only another worker can declare it dead.
   */
  exceptOwner?: string;
  /**
   * With `exceptOwner`: the operations that worker runs a step of right now. Its own expired leases
   * on other operations with a step still recorded running are then recovered like anyone's: that
   * step is run by nobody (a claim whose COMMIT landed but whose answer was lost, a completion given
   * up). Rule: isTakenOverByRecovery (server/engine/operation-rules.ts).
   */
  runningHere?: readonly string[];
}

export interface EventQuery {
  operationId?: string;
  /** Exclusive; 0 = from the first event. */
  afterId?: number;
  /** Default 500, at most 5000. */
  limit?: number;
}

/** How a store's event watch reports its connection trouble (it reconnects by itself). */
export interface WatchOptions {
  onConnectionError?: (error: unknown, nextAttemptInMs: number) => void;
  /** Told each time the watch is live (first and after every reconnect). */
  onListening?: () => void;
  /** First reconnect delay (ms), doubled after each failure. */
  retryDelayMs?: number;
}

export interface OperationStore {
  // --------------------------------------------------------------------------------- writes
  /** The operation, its steps, its VMs and its `operation.queued` event in one transaction. */
  enqueue(
    plan: OperationPlan,
    request: Record<string, unknown>,
    options: EnqueueOptions,
  ): Promise<OperationRecord>;
  /** A run that could not start (a scheduled job whose plan is blocked): a failed operation with no steps. */
  recordBlocked(
    plan: OperationPlan,
    request: Record<string, unknown>,
    options: EnqueueOptions,
  ): Promise<OperationRecord>;
  /**
   * Admits every queued operation the engine admits (locks free, host/array limits), records why
   * the others wait, then leases the next runnable step of some running operation (one with no
   * step running and no live lease of another worker). Null when nothing is runnable now.
   */
  claimNext(options: ClaimOptions): Promise<ClaimedStep | null>;
  /**
   * This worker is alive until `expiresAt` and takes `scope` (refreshed every pass). Admission
   * (in any worker's claim) reads the live workers: an operation none of them serves waits,
   * saying which host or array nobody serves.
   */
  announceWorker(scope: WorkerScope, now: Date, expiresAt: Date): Promise<void>;
  /** A worker stopping: it no longer counts as serving anything. */
  retireWorker(workerId: string): Promise<void>;
  /** The workers alive at `now`, by id. */
  liveWorkers(now: Date): Promise<WorkerScope[]>;
  /**
   * Extends the lease while a step runs. Succeeds whenever this worker still owns the lease —
   * even late, after it expired, as long as nobody took the operation over.
   */
  renewLease(workerId: string, operationId: string, now: Date, leaseMs: number): Promise<LeaseState>;
  /**
   * Records a step's outcome if this worker still holds the lease (false otherwise). Retryable
   * driver failures go back to pending with backoff; other failures fail the step's VMs or the
   * operation (failure scope); the operation finishes when no step is left.
   */
  completeStep(claimed: ClaimedStep, outcome: StepOutcome, options: CompleteOptions): Promise<boolean>;
  /**
   * completeStep, then in the same transaction leases the same operation's next runnable step to
   * the same worker (exactly as claimNext would lease it, without admitting anything): a step's end
   * and the next step's claim are one commit instead of two, and the operation is never free in
   * between. `next` is null when the outcome was not recorded (lease lost), when the operation
   * ended, or when it has nothing runnable now (a retry waiting out its backoff): claimNext takes
   * it later. Optional: PostgreSQL has it (a commit there is a round trip and an fsync under the
   * event lock); on SQLite the worker completes and claims in its next pass.
   */
  completeStepAndClaimNext?(
    claimed: ClaimedStep,
    outcome: StepOutcome,
    options: CompleteOptions & { leaseMs: number },
  ): Promise<{ isRecorded: boolean; next: ClaimedStep | null }>;
  /** Persists copy progress and announces it. */
  recordProgress(step: StepRecord, bytesDone: number, now: Date, bytesTotal?: number): Promise<void>;
  /** A log line of a step (progress notes, script output). */
  appendLog(step: StepRecord, level: LogLevel, message: string, now: Date): Promise<void>;
  /**
   * A queued or waiting operation ends at once; a running one becomes `cancelling` (remaining
   * work cancelled, owed cleanups still run; its worker sees it at the next lease renewal).
   */
  cancel(operationId: string, now: Date, cancelledBy: string): Promise<CancelResult>;
  /** Takes over operations whose worker stopped renewing its lease (operation-rules decideRecovery). */
  recoverExpiredLeases(now: Date, options?: RecoverOptions): Promise<RecoveryReport[]>;
  /** An event outside a transition (e.g. a restore point's deletion by an operation). */
  appendEvent<T extends OperationEventType>(
    operationId: string,
    type: T,
    payload: OperationEventPayloads[T],
    at: Date,
  ): Promise<OperationEvent<T>>;

  // ---------------------------------------------------------------------------------- reads
  get(operationId: string): Promise<OperationRecord | null>;
  list(query: OperationListQuery): Promise<Page<OperationListItem>>;
  /** In plan order. */
  steps(operationId: string): Promise<StepRecord[]>;
  /** The newest `limit` log lines, oldest first. */
  logs(operationId: string, limit: number): Promise<StepLogRecord[]>;
  /** Events after `afterId`, oldest first (all operations, or one). */
  readEventsAfter(query?: EventQuery): Promise<OperationEvent[]>;
  /** The newest event id (of one operation, or of all); 0 when none. */
  lastEventId(operationId?: string): Promise<number>;
  /** Events committed by this process, after commit. Returns unsubscribe. */
  subscribe(listener: (event: OperationEvent) => void): () => void;
  /**
   * Calls `onNewEvents` soon after any process commits events (PostgreSQL: LISTEN/NOTIFY), so a node
   * reads them (`readEventsAfter`) at once instead of at its next poll. Returns stop(). Absent where
   * the database gives no such signal (SQLite: the relay polls the file).
   */
  watchNewEvents?(onNewEvents: () => void, options?: WatchOptions): () => void;
  /**
   * Calls `onWork` soon after any process commits an event of WORK_EVENT_TYPES (PostgreSQL:
   * LISTEN/NOTIFY on a channel of its own), so an idle worker on another node claims at once
   * instead of at its next poll. Returns stop(). Absent on SQLite: one process hears its own work
   * on the event bus, another process polls.
   */
  watchWork?(onWork: () => void, options?: WatchOptions): () => void;
  /**
   * Locks a running operation takes on objects it finds while running (the points retention
   * prunes), in one transaction: the keys it now holds; a key another operation holds is left
   * out. Admission treats them like the plan's own locks; they go with the operation's others.
   */
  acquireLocks(operationId: string, keys: string[], now: Date): Promise<string[]>;
  /** Locks whose operation is no longer active: must always be empty (a test and a health check). */
  findLeakedLocks(): Promise<{ key: string; operationId: string }[]>;
  /** Operations queued, waiting, running or cancelling whose plan touches this array, oldest first. */
  activeOnArray(arrayId: string): Promise<{ id: string; title: string }[]>;
  /** Operations queued, waiting, running or cancelling whose plan touches one of these hosts, oldest first. */
  activeOnHosts(hostIds: string[]): Promise<{ id: string; title: string }[]>;
  /** Statuses of these operations, in the order asked (tests and waiters; missing ids are absent). */
  statusesOf(operationIds: string[]): Promise<Map<string, OperationStatus>>;
}
