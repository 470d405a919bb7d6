/**
 * The OperationStore on SQLite: every verb is one synchronous `BEGIN IMMEDIATE` transaction of
 * better-sqlite3 (the write lock serialises claims across processes), wrapped in a promise to
 * meet the async port. Decisions come from server/engine/operation-rules.ts. Writing a plan is in
 * ./operation-enqueue.ts, cancel and recovery in ./operation-cancel-recover.ts.
 */
import { and, asc, desc, eq, gt, inArray, ne } from 'drizzle-orm';
import {
  DEFAULT_ADMISSION_LIMITS,
  servesOperation,
  type WorkerScope,
} from '../../../server/engine/admission';
import {
  assertEnqueueable,
  decidePendingSteps,
  decideStepFailure,
  findOpenFreeze,
  type NextStepDecision,
} from '../../../server/engine/operation-rules';
import type { OperationPlan } from '../../../server/engine/plan-types';
import type { OperationStatus } from '../../../server/engine/statuses';
import { DEFAULT_RETRY_POLICY } from '../../../server/engine/step-safety';
import type { Db } from '../../client';
import { admissionKeys, locks, operationEvents, operationSteps, operations } from '../../schema';
import { subscribeToOperationEvents } from '../operation-event-bus';
import type {
  CancelResult,
  ClaimedStep,
  ClaimOptions,
  CompleteOptions,
  EnqueueOptions,
  EventQuery,
  LeaseState,
  LogLevel,
  OperationEvent,
  OperationEventPayloads,
  OperationEventType,
  OperationRecord,
  OperationRow,
  OperationStore,
  RecoverOptions,
  RecoveryReport,
  StepOutcome,
  StepRecord,
} from '../ports/operation-store';
import { isUnrecordedAttempt } from '../ports/operation-store';
import { statusesInAskedOrder } from '../status-rows';
import { admitQueued } from './operation-admission';
import { cancelIn, recoverIn } from './operation-cancel-recover';
import { enqueueIn, recordBlockedIn } from './operation-enqueue';
import {
  queryActiveOnArray,
  queryActiveOnHosts,
  queryOperationLogs,
  queryOperationSteps,
  queryOperations,
} from './operation-queries';
import {
  claimCandidates,
  claimCandidatesAfter,
  type LeasedPayload,
  leasedPayload,
  leasedRecordOf,
  leaseOperation,
  readStep,
  setLease,
  startStep,
} from './operation-statements';
import {
  appendLog,
  applyFailureScope,
  finishOperation,
  finishStepRow,
  hasRunningStep,
  hasUnfinishedStep,
  PENDING_STEPS_FIRST_ROUND,
  PENDING_STEPS_PER_ROUND,
  type PendingStepRow,
  planStepOf,
  readFreezeWindowSteps,
  readOperation,
  readOperationState,
  readPendingSteps,
  writeHeldNotes,
  writeProgress,
} from './operation-transitions';
import { type EventBatch, inTransaction, type Tx } from './transaction';
import { announceWorkerIn, liveWorkersIn, retireWorkerIn } from './worker-registry';

const DEFAULT_LEASE_MS = 15_000;

export class SqliteOperationStore implements OperationStore {
  constructor(private readonly db: Db) {}

  async enqueue(plan: OperationPlan, request: Record<string, unknown>, options: EnqueueOptions) {
    assertEnqueueable(plan);
    return inTransaction(this.db, (tx, events) => enqueueIn(tx, events, plan, request, options));
  }

  async recordBlocked(plan: OperationPlan, request: Record<string, unknown>, options: EnqueueOptions) {
    return inTransaction(this.db, (tx, events) => recordBlockedIn(tx, events, plan, request, options));
  }

  async claimNext(options: ClaimOptions): Promise<ClaimedStep | null> {
    return inTransaction(this.db, (tx, events) => claimIn(tx, events, options));
  }

  async announceWorker(scope: WorkerScope, now: Date, expiresAt: Date): Promise<void> {
    inTransaction(this.db, (tx) => announceWorkerIn(tx, scope, now, expiresAt));
  }

  async retireWorker(workerId: string): Promise<void> {
    retireWorkerIn(this.db, workerId);
  }

  async liveWorkers(now: Date): Promise<WorkerScope[]> {
    return liveWorkersIn(this.db, now);
  }

  async renewLease(workerId: string, operationId: string, now: Date, leaseMs: number): Promise<LeaseState> {
    const updated = this.db
      .update(operations)
      .set({ leaseExpiresAt: new Date(now.getTime() + leaseMs) })
      .where(and(eq(operations.id, operationId), eq(operations.leaseOwner, workerId)))
      .returning({ status: operations.status })
      .get();
    return { isOwner: updated !== undefined, isCancelling: updated?.status === 'cancelling' };
  }

  async completeStep(claimed: ClaimedStep, outcome: StepOutcome, options: CompleteOptions) {
    return inTransaction(this.db, (tx, events) => completeIn(tx, events, claimed, outcome, options));
  }

  async recordProgress(step: StepRecord, bytesDone: number, now: Date, bytesTotal?: number) {
    inTransaction(this.db, (tx, events) => writeProgress(tx, events, step, bytesDone, now, bytesTotal));
  }

  async appendLog(step: StepRecord, level: LogLevel, message: string, now: Date) {
    inTransaction(this.db, (tx, events) => appendLog(tx, events, step, level, message, now));
  }

  async cancel(operationId: string, now: Date, cancelledBy: string): Promise<CancelResult> {
    return inTransaction(this.db, (tx, events) => cancelIn(tx, events, operationId, now, cancelledBy));
  }

  async recoverExpiredLeases(now: Date, options: RecoverOptions = {}): Promise<RecoveryReport[]> {
    return inTransaction(this.db, (tx, events) => recoverIn(tx, events, now, options));
  }

  async appendEvent<T extends OperationEventType>(
    operationId: string,
    type: T,
    payload: OperationEventPayloads[T],
    at: Date,
  ): Promise<OperationEvent<T>> {
    return inTransaction(this.db, (tx, events) => events.append(tx, operationId, type, payload, at));
  }

  async get(operationId: string) {
    return readOperation(this.db, operationId) ?? null;
  }

  async list(query: Parameters<OperationStore['list']>[0]) {
    return queryOperations(this.db, query);
  }

  async steps(operationId: string) {
    return queryOperationSteps(this.db, operationId);
  }

  async logs(operationId: string, limit: number) {
    return queryOperationLogs(this.db, operationId, limit);
  }

  async readEventsAfter(query: EventQuery = {}): Promise<OperationEvent[]> {
    const conditions = [gt(operationEvents.id, query.afterId ?? 0)];
    if (query.operationId) conditions.push(eq(operationEvents.operationId, query.operationId));
    return this.db
      .select()
      .from(operationEvents)
      .where(and(...conditions))
      .orderBy(asc(operationEvents.id))
      .limit(Math.min(query.limit ?? 500, 5000))
      .all()
      .map((row) => ({
        id: row.id,
        operationId: row.operationId,
        type: row.type as OperationEventType,
        payload: row.payloadJson as OperationEventPayloads[OperationEventType],
        at: row.at,
      }));
  }

  async lastEventId(operationId?: string): Promise<number> {
    const row = this.db
      .select({ id: operationEvents.id })
      .from(operationEvents)
      .where(operationId ? eq(operationEvents.operationId, operationId) : undefined)
      .orderBy(desc(operationEvents.id))
      .limit(1)
      .get();
    return row?.id ?? 0;
  }

  subscribe(listener: (event: OperationEvent) => void): () => void {
    return subscribeToOperationEvents(listener);
  }

  async acquireLocks(operationId: string, keys: string[], now: Date): Promise<string[]> {
    if (keys.length === 0) return [];
    const wanted = [...new Set(keys)].sort();
    return inTransaction(this.db, (tx) => {
      // Only a running operation takes locks: a finished one would never release them.
      const owner = tx
        .select({ status: operations.status })
        .from(operations)
        .where(eq(operations.id, operationId))
        .get();
      if (owner?.status !== 'running' && owner?.status !== 'cancelling') return [];
      tx.insert(locks)
        .values(wanted.map((key) => ({ key, operationId, acquiredAt: now })))
        .onConflictDoNothing()
        .run();
      return tx
        .select({ key: locks.key })
        .from(locks)
        .where(and(eq(locks.operationId, operationId), inArray(locks.key, wanted)))
        .orderBy(asc(locks.key))
        .all()
        .map((row) => row.key);
    });
  }

  async findLeakedLocks() {
    return this.db
      .select({ key: locks.key, operationId: locks.operationId })
      .from(locks)
      .innerJoin(operations, eq(operations.id, locks.operationId))
      .where(and(ne(operations.status, 'running'), ne(operations.status, 'cancelling')))
      .all();
  }

  async activeOnArray(arrayId: string): Promise<{ id: string; title: string }[]> {
    return queryActiveOnArray(this.db, arrayId);
  }

  async activeOnHosts(hostIds: string[]): Promise<{ id: string; title: string }[]> {
    return hostIds.length === 0 ? [] : queryActiveOnHosts(this.db, hostIds);
  }

  async statusesOf(operationIds: string[]): Promise<Map<string, OperationStatus>> {
    if (operationIds.length === 0) return new Map();
    const rows = this.db
      .select({ id: operations.id, status: operations.status })
      .from(operations)
      .where(inArray(operations.id, operationIds))
      .all();
    return statusesInAskedOrder(operationIds, rows);
  }
}

// ------------------------------------------------------------------------------------ transactions

function claimIn(tx: Tx, events: EventBatch, options: ClaimOptions): ClaimedStep | null {
  const { workerId, now, leaseMs } = options;
  admitQueued(tx, events, now, options.limits ?? DEFAULT_ADMISSION_LIMITS, liveWorkersIn(tx, now));
  let after: { startedAt: Date; id: string } | null = null;
  for (;;) {
    // Oldest started first, by keyset: the plan of an operation is read only once it is chosen.
    const candidates: { id: string; startedAt: Date | null; endingAs: string | null }[] = after
      ? claimCandidatesAfter(tx).all({ workerId, now, afterStartedAt: after.startedAt, afterId: after.id })
      : claimCandidates(tx).all({ workerId, now });
    if (candidates.length === 0) return null;
    for (const candidate of candidates) {
      // A worker placed near some hosts leaves the operations of others to the workers serving them.
      if (options.serves && !servesOperation(options.serves, scopeOfOperation(tx, candidate.id))) continue;
      const claimed = claimStepOf(tx, events, candidate, workerId, now, leaseMs);
      if (claimed) return claimed;
    }
    const last = candidates[candidates.length - 1] as (typeof candidates)[number];
    after = { startedAt: last.startedAt ?? new Date(0), id: last.id };
  }
}

/** The hosts and arrays a running operation touches (its admission keys, not its plan). */
function scopeOfOperation(tx: Tx, operationId: string): { hostIds: string[]; arrayIds: string[] } {
  const keys = tx
    .select({ kind: admissionKeys.kind, ref: admissionKeys.ref })
    .from(admissionKeys)
    .where(and(eq(admissionKeys.operationId, operationId), ne(admissionKeys.kind, 'lock')))
    .all();
  return {
    hostIds: keys.filter((key) => key.kind === 'host').map((key) => key.ref),
    arrayIds: keys.filter((key) => key.kind === 'array').map((key) => key.ref),
  };
}

/** The next runnable step of one candidate, leased to `workerId`; null when it has none now. */
function claimStepOf(
  tx: Tx,
  events: EventBatch,
  candidate: { id: string; endingAs: string | null },
  workerId: string,
  now: Date,
  leaseMs: number,
): ClaimedStep | null {
  if (hasRunningStep(tx, candidate.id)) return null; // in flight, or awaiting recovery
  const decision = decideNextOf(tx, candidate.id, candidate.endingAs !== null);
  for (const { step, error } of decision.skip) finishStepRow(tx, events, step, 'skipped', now, { error });
  for (const step of decision.cancel) finishStepRow(tx, events, step, 'cancelled', now, { error: null });
  const next = decision.next;
  if (!next) {
    finishOperation(tx, events, candidate.id, now);
    return null;
  }
  if (next.nextAttemptAt && next.nextAttemptAt.getTime() > now.getTime()) return null;
  const row = leaseOperation(tx).get({
    id: candidate.id,
    workerId,
    leaseExpiresAt: new Date(now.getTime() + leaseMs),
  }) as OperationRow;
  const operation = leasedRecordOf(row, leasedPayload(tx).get({ id: candidate.id }) as LeasedPayload);
  const attempt = next.attempts + 1;
  const claimed = startStep(tx).get({ id: next.id, now, attempt }) as StepRecord;
  events.append(tx, candidate.id, 'step.started', { stepKey: next.key, attempt }, now);
  return { operation, step: claimed, planStep: planStepOf(claimed) };
}

/**
 * decideNextStep for an operation with no running step, on its pending steps read a round at a
 * time until one runs (or none is left): the same decision as on every step.
 */
function decideNextOf(tx: Tx, operationId: string, isEnding: boolean): NextStepDecision<PendingStepRow> {
  const decision: NextStepDecision<PendingStepRow> = { skip: [], cancel: [], next: null, isBusy: false };
  for (let afterSeq = -1, limit = PENDING_STEPS_FIRST_ROUND; ; limit = PENDING_STEPS_PER_ROUND) {
    const pending = readPendingSteps(tx, operationId, afterSeq, limit);
    const round = decidePendingSteps(pending, isEnding, (step) =>
      step.undoneTitle === null ? undefined : { title: step.undoneTitle, startedAt: step.undoneStartedAt },
    );
    decision.skip.push(...round.skip);
    decision.cancel.push(...round.cancel);
    const last = pending[pending.length - 1];
    if (round.next || !last || pending.length < limit) {
      decision.next = round.next;
      return decision;
    }
    afterSeq = last.seq;
  }
}

function completeIn(
  tx: Tx,
  events: EventBatch,
  claimed: ClaimedStep,
  outcome: StepOutcome,
  options: CompleteOptions,
): boolean {
  const { now, workerId } = options;
  const operation = readOperationState(tx, claimed.operation.id);
  const step = readStep(tx).get({ id: claimed.step.id });
  if (step && options.notes && isUnrecordedAttempt(step, claimed))
    writeHeldNotes(tx, events, step, options.notes);
  // A worker that lost its lease must not overwrite what the new owner does, nor an attempt the
  // step has moved past (its own worker may have claimed the step anew after a recovery).
  if (
    !operation ||
    !step ||
    operation.leaseOwner !== workerId ||
    step.status !== 'running' ||
    step.attempts !== claimed.step.attempts
  )
    return false;

  if (outcome.status === 'succeeded') {
    if (outcome.warning) appendLog(tx, events, step, 'warn', outcome.warning, now);
    finishStepRow(tx, events, step, 'succeeded', now, {
      error: null,
      warning: outcome.warning ?? null,
      bytes: outcome.bytes,
      result: outcome.result,
    });
  } else if (outcome.status === 'degraded') {
    appendLog(tx, events, step, 'warn', outcome.reason, now);
    finishStepRow(tx, events, step, 'degraded', now, {
      error: outcome.reason,
      warning: outcome.reason,
      bytes: outcome.bytes,
      result: outcome.result,
    });
  } else if (outcome.status === 'cancelled') {
    appendLog(tx, events, step, 'warn', 'aborted: the operation is being cancelled', now);
    finishStepRow(tx, events, step, 'cancelled', now, { error: 'cancelled by the operator' });
  } else {
    const retry = options.retry ?? DEFAULT_RETRY_POLICY;
    const failure = decideStepFailure(
      outcome.error,
      step.attempts,
      retry,
      operation.status === 'cancelling',
      now,
    );
    if (failure.kind === 'retry') {
      appendLog(
        tx,
        events,
        step,
        'warn',
        `attempt ${step.attempts} failed: ${failure.message}; retrying`,
        now,
      );
      tx.update(operationSteps)
        .set({
          status: 'pending',
          nextAttemptAt: failure.nextAttemptAt,
          error: failure.message,
          faultCode: failure.faultCode,
        })
        .where(eq(operationSteps.id, step.id))
        .run();
      events.append(
        tx,
        operation.id,
        'step.retrying',
        {
          stepKey: step.key,
          attempt: step.attempts,
          nextAttemptAt: failure.nextAttemptAt.toISOString(),
          error: failure.message,
        },
        now,
      );
    } else {
      appendLog(tx, events, step, 'error', failure.detail, now);
      finishStepRow(tx, events, step, 'failed', now, { error: failure.detail, faultCode: failure.faultCode });
      const withPlan = readOperation(tx, operation.id) as OperationRecord;
      applyFailureScope(tx, events, withPlan, step, outcome.failedVmIds, failure.detail, now);
    }
  }

  // Between steps the operation is free for any worker, except inside a freeze window (findOpenFreeze).
  const keepsLease = findOpenFreeze(readFreezeWindowSteps(tx, operation.id)) !== undefined;
  setLease(tx).run({
    id: operation.id,
    leaseOwner: keepsLease ? workerId : null,
    leaseExpiresAtMs: keepsLease ? now.getTime() + (options.leaseMs ?? DEFAULT_LEASE_MS) : null,
  });
  if (!hasUnfinishedStep(tx, operation.id)) finishOperation(tx, events, operation.id, now);
  return true;
}
