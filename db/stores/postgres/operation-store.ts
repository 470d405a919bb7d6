/**
 * The OperationStore on PostgreSQL, for several workers on several nodes. Every verb is one
 * transaction (retried whole on a deadlock or serialisation failure, ./transaction.ts):
 * - claimNext admits queued operations under a transaction-level advisory lock (admission reads
 *   every active operation, so one claimer decides at a time; a claimer that finds the lock taken
 *   leaves admission to its holder), then picks candidates `FOR NO KEY UPDATE SKIP LOCKED`, so
 *   concurrent claimers skip each other's operations instead of queueing behind them;
 * - every write on behalf of a worker locks the operation row first and checks the lease owner;
 * - recovery takes expired operations `SKIP LOCKED`, so two recovering workers never both take one.
 * Decisions come from server/engine/operation-rules.ts, exactly as on SQLite. Writing a plan is in
 * ./operation-enqueue.ts, cancel and recovery in ./operation-cancel-recover.ts.
 */
import { and, asc, desc, eq, gt, inArray, ne, notInArray, sql } from 'drizzle-orm';
import type pg from 'pg';
import {
  DEFAULT_ADMISSION_LIMITS,
  servesOperation,
  type WorkerScope,
} from '../../../server/engine/admission';
import {
  assertEnqueueable,
  decideNextStep,
  decideStepFailure,
  findOpenFreeze,
  isStepFinished,
  lockKeysOfPlan,
} from '../../../server/engine/operation-rules';
import type { OperationPlan } from '../../../server/engine/plan-types';
import type { OperationStatus } from '../../../server/engine/statuses';
import { DEFAULT_RETRY_POLICY } from '../../../server/engine/step-safety';
import type { PgDb } from '../../pg/client';
import { locks, operationEvents, operationSteps, operations } from '../../pg/schema';
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
  OperationRow,
  OperationStore,
  RecoverOptions,
  RecoveryReport,
  StepOutcome,
  StepRecord,
  WatchOptions,
} from '../ports/operation-store';
import { isUnrecordedAttempt } from '../ports/operation-store';
import { statusesInAskedOrder } from '../status-rows';
import { listenForNewEvents } from './event-notifications';
import { admitQueued } from './operation-admission';
import { cancelIn, recoverIn } from './operation-cancel-recover';
import { claimableBy, hasClaimableWork } from './operation-claimable';
import { enqueueIn, recordBlockedIn } from './operation-enqueue';
import {
  queryActiveOnArray,
  queryActiveOnHosts,
  queryOperationLogs,
  queryOperationSteps,
  queryOperations,
} from './operation-queries';
import {
  appendLog,
  applyFailureScope,
  finishOperation,
  finishStepRow,
  lockOperation,
  planOf,
  planStepOf,
  readOperation,
  readOperationRow,
  readPayload,
  readSteps,
  writeHeldNotes,
  writeProgress,
} from './operation-transitions';
import {
  ADVISORY,
  advisoryXactLock,
  inPgTransaction,
  type PgEventBatch,
  type PgTx,
  WORK_CHANNEL,
} from './transaction';
import { announceWorkerIn, liveWorkersIn, retireWorkerIn } from './worker-registry';

const DEFAULT_LEASE_MS = 15_000;
/** Candidates locked per round of a claim: enough to skip busy ones, few enough to leave others work. */
const CANDIDATES_PER_ROUND = 8;

export class PgOperationStore implements OperationStore {
  constructor(private readonly db: PgDb) {}

  async enqueue(plan: OperationPlan, request: Record<string, unknown>, options: EnqueueOptions) {
    assertEnqueueable(plan);
    return inPgTransaction(this.db, (tx, events) => enqueueIn(tx, events, plan, request, options));
  }

  async recordBlocked(plan: OperationPlan, request: Record<string, unknown>, options: EnqueueOptions) {
    return inPgTransaction(this.db, (tx, events) => recordBlockedIn(tx, events, plan, request, options));
  }

  async claimNext(options: ClaimOptions): Promise<ClaimedStep | null> {
    // Most wake-ups find nothing: one statement says so without a transaction (./operation-claimable.ts).
    if (!(await hasClaimableWork(this.db, options.workerId, options.now))) return null;
    return inPgTransaction(this.db, (tx, events) => claimIn(tx, events, options));
  }

  async announceWorker(scope: WorkerScope, now: Date, expiresAt: Date): Promise<void> {
    await inPgTransaction(this.db, (tx) => announceWorkerIn(tx, scope, now, expiresAt));
  }

  async retireWorker(workerId: string): Promise<void> {
    await retireWorkerIn(this.db, workerId);
  }

  async liveWorkers(now: Date): Promise<WorkerScope[]> {
    return liveWorkersIn(this.db, now);
  }

  async renewLease(workerId: string, operationId: string, now: Date, leaseMs: number): Promise<LeaseState> {
    const [updated] = await this.db
      .update(operations)
      .set({ leaseExpiresAt: new Date(now.getTime() + leaseMs) })
      .where(and(eq(operations.id, operationId), eq(operations.leaseOwner, workerId)))
      .returning({ status: operations.status });
    return { isOwner: updated !== undefined, isCancelling: updated?.status === 'cancelling' };
  }

  async completeStep(claimed: ClaimedStep, outcome: StepOutcome, options: CompleteOptions) {
    return inPgTransaction(this.db, (tx, events) => completeIn(tx, events, claimed, outcome, options));
  }

  async completeStepAndClaimNext(
    claimed: ClaimedStep,
    outcome: StepOutcome,
    options: CompleteOptions & { leaseMs: number },
  ): Promise<{ isRecorded: boolean; next: ClaimedStep | null }> {
    return inPgTransaction(this.db, async (tx, events) => {
      if (!(await completeIn(tx, events, claimed, outcome, options)))
        return { isRecorded: false, next: null };
      // The row stays locked (completeIn locked it); the completion may have ended the operation.
      const operation = await readOperationRow(tx, claimed.operation.id);
      if (operation?.status !== 'running' && operation?.status !== 'cancelling')
        return { isRecorded: true, next: null };
      const { workerId, now, leaseMs } = options;
      return { isRecorded: true, next: await claimStepOf(tx, events, operation, workerId, now, leaseMs) };
    });
  }

  async recordProgress(step: StepRecord, bytesDone: number, now: Date, bytesTotal?: number) {
    await inPgTransaction(this.db, (tx, events) =>
      writeProgress(tx, events, step, bytesDone, now, bytesTotal),
    );
  }

  async appendLog(step: StepRecord, level: LogLevel, message: string, now: Date) {
    await inPgTransaction(this.db, (tx, events) => appendLog(tx, events, step, level, message, now));
  }

  async cancel(operationId: string, now: Date, cancelledBy: string): Promise<CancelResult> {
    return inPgTransaction(this.db, (tx, events) => cancelIn(tx, events, operationId, now, cancelledBy));
  }

  async recoverExpiredLeases(now: Date, options: RecoverOptions = {}): Promise<RecoveryReport[]> {
    return inPgTransaction(this.db, (tx, events) => recoverIn(tx, events, now, options));
  }

  async appendEvent<T extends OperationEventType>(
    operationId: string,
    type: T,
    payload: OperationEventPayloads[T],
    at: Date,
  ): Promise<OperationEvent<T>> {
    return inPgTransaction(this.db, async (tx, events) => events.append(tx, operationId, type, payload, at));
  }

  async get(operationId: string) {
    return (await readOperation(this.db, operationId)) ?? null;
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
    const rows = await this.db
      .select()
      .from(operationEvents)
      .where(and(...conditions))
      .orderBy(asc(operationEvents.id))
      .limit(Math.min(query.limit ?? 500, 5000));
    return rows.map((row) => ({
      id: row.id,
      operationId: row.operationId,
      type: row.type as OperationEventType,
      payload: row.payloadJson as OperationEventPayloads[OperationEventType],
      at: row.at,
    }));
  }

  async lastEventId(operationId?: string): Promise<number> {
    const [row] = await this.db
      .select({ id: operationEvents.id })
      .from(operationEvents)
      .where(operationId ? eq(operationEvents.operationId, operationId) : undefined)
      .orderBy(desc(operationEvents.id))
      .limit(1);
    return row?.id ?? 0;
  }

  subscribe(listener: (event: OperationEvent) => void): () => void {
    return subscribeToOperationEvents(listener);
  }

  watchNewEvents(onNewEvents: () => void, options?: WatchOptions): () => void {
    // Drizzle keeps the pool it was made over as `$client` (db/pg/client.ts passes a pg.Pool); the
    // PgDb alias leaves it out of the type so transactions fit it too.
    return listenForNewEvents((this.db as PgDb & { $client: pg.Pool }).$client, onNewEvents, options);
  }

  watchWork(onWork: () => void, options?: WatchOptions): () => void {
    return listenForNewEvents(
      (this.db as PgDb & { $client: pg.Pool }).$client,
      onWork,
      options,
      WORK_CHANNEL,
    );
  }

  async acquireLocks(operationId: string, keys: string[], now: Date): Promise<string[]> {
    if (keys.length === 0) return [];
    const wanted = [...new Set(keys)].sort();
    return inPgTransaction(this.db, async (tx) => {
      // Serialised with admission, which decides on the lock rows it reads.
      await advisoryXactLock(tx, ADVISORY.admission);
      // Only a running operation takes locks: a finished one would never release them.
      const [owner] = await tx
        .select({ status: operations.status })
        .from(operations)
        .where(eq(operations.id, operationId));
      if (owner?.status !== 'running' && owner?.status !== 'cancelling') return [];
      await tx
        .insert(locks)
        .values(wanted.map((key) => ({ key, operationId, acquiredAt: now })))
        .onConflictDoNothing();
      const rows = await tx
        .select({ key: locks.key })
        .from(locks)
        .where(and(eq(locks.operationId, operationId), inArray(locks.key, wanted)))
        .orderBy(asc(locks.key));
      return rows.map((row) => row.key);
    });
  }

  async findLeakedLocks() {
    return this.db
      .select({ key: locks.key, operationId: locks.operationId })
      .from(locks)
      .innerJoin(operations, eq(operations.id, locks.operationId))
      .where(and(ne(operations.status, 'running'), ne(operations.status, 'cancelling')));
  }

  async activeOnArray(arrayId: string): Promise<{ id: string; title: string }[]> {
    return queryActiveOnArray(this.db, arrayId);
  }

  async activeOnHosts(hostIds: string[]): Promise<{ id: string; title: string }[]> {
    return hostIds.length === 0 ? [] : queryActiveOnHosts(this.db, hostIds);
  }

  async statusesOf(operationIds: string[]): Promise<Map<string, OperationStatus>> {
    if (operationIds.length === 0) return new Map();
    const rows = await this.db
      .select({ id: operations.id, status: operations.status })
      .from(operations)
      .where(inArray(operations.id, operationIds));
    return statusesInAskedOrder(operationIds, rows);
  }
}

// ------------------------------------------------------------------------------------ transactions

async function claimIn(tx: PgTx, events: PgEventBatch, options: ClaimOptions): Promise<ClaimedStep | null> {
  const { workerId, now, leaseMs } = options;
  // Another claimer admitting right now decides for everyone; this one goes on to claim.
  const { rows } = await tx.execute<{ locked: boolean }>(
    sql`select pg_try_advisory_xact_lock(${ADVISORY.admission}) as locked`,
  );
  if (rows[0]?.locked) {
    await admitQueued(tx, events, now, options.limits ?? DEFAULT_ADMISSION_LIMITS, () =>
      liveWorkersIn(tx, now),
    );
  }
  const examined: string[] = [];
  for (;;) {
    const candidates = await tx
      .select()
      .from(operations)
      .where(
        and(
          claimableBy(tx, workerId, now),
          examined.length > 0 ? notInArray(operations.id, examined) : undefined,
        ),
      )
      .orderBy(asc(operations.startedAt), asc(operations.id))
      .limit(CANDIDATES_PER_ROUND)
      .for('no key update', { skipLocked: true });
    for (const operation of candidates) {
      examined.push(operation.id);
      // A worker placed near some hosts leaves the operations of others to the workers serving them.
      if (
        options.serves &&
        !servesOperation(options.serves, lockKeysOfPlan(planOf(await readPayload(tx, operation.id))))
      )
        continue;
      const claimed = await claimStepOf(tx, events, operation, workerId, now, leaseMs);
      if (claimed) return claimed;
    }
    // A short round was every candidate there is: asking again would only confirm it.
    if (candidates.length < CANDIDATES_PER_ROUND) return null;
  }
}

/** The next runnable step of one locked candidate, leased to `workerId`; null when it has none now. */
async function claimStepOf(
  tx: PgTx,
  events: PgEventBatch,
  operation: OperationRow,
  workerId: string,
  now: Date,
  leaseMs: number,
): Promise<ClaimedStep | null> {
  const steps = await readSteps(tx, operation.id);
  const decision = decideNextStep(steps, operation.endingAs !== null);
  if (decision.isBusy) return null; // in flight, or awaiting recovery
  for (const { step, error } of decision.skip)
    await finishStepRow(tx, events, step, 'skipped', now, { error });
  for (const step of decision.cancel)
    await finishStepRow(tx, events, step, 'cancelled', now, { error: null });
  const next = decision.next;
  if (!next) {
    await finishOperation(tx, events, operation.id, now);
    return null;
  }
  if (next.nextAttemptAt && next.nextAttemptAt.getTime() > now.getTime()) return null;
  await tx
    .update(operations)
    .set({ leaseOwner: workerId, leaseExpiresAt: new Date(now.getTime() + leaseMs) })
    .where(eq(operations.id, operation.id));
  const attempt = next.attempts + 1;
  const [claimed] = await tx
    .update(operationSteps)
    .set({ status: 'running', startedAt: now, finishedAt: null, attempts: attempt, nextAttemptAt: null })
    .where(eq(operationSteps.id, next.id))
    .returning();
  const step = claimed as StepRecord;
  events.append(tx, operation.id, 'step.started', { stepKey: next.key, attempt }, now);
  // The plan and request (operation_payloads) are read for the operation leased, not every candidate.
  const payload = await readPayload(tx, operation.id);
  return { operation: { ...operation, leaseOwner: workerId, ...payload }, step, planStep: planStepOf(step) };
}

async function recordOutcome(
  tx: PgTx,
  events: PgEventBatch,
  operation: OperationRow,
  step: StepRecord,
  outcome: StepOutcome,
  options: CompleteOptions,
): Promise<void> {
  const { now } = options;
  if (outcome.status === 'succeeded') {
    if (outcome.warning) await appendLog(tx, events, step, 'warn', outcome.warning, now);
    await finishStepRow(tx, events, step, 'succeeded', now, {
      error: null,
      warning: outcome.warning ?? null,
      bytes: outcome.bytes,
      result: outcome.result,
    });
  } else if (outcome.status === 'degraded') {
    await appendLog(tx, events, step, 'warn', outcome.reason, now);
    await finishStepRow(tx, events, step, 'degraded', now, {
      error: outcome.reason,
      warning: outcome.reason,
      bytes: outcome.bytes,
      result: outcome.result,
    });
  } else if (outcome.status === 'cancelled') {
    await appendLog(tx, events, step, 'warn', 'aborted: the operation is being cancelled', now);
    await finishStepRow(tx, events, step, 'cancelled', now, { error: 'cancelled by the operator' });
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
      await appendLog(
        tx,
        events,
        step,
        'warn',
        `attempt ${step.attempts} failed: ${failure.message}; retrying`,
        now,
      );
      await tx
        .update(operationSteps)
        .set({
          status: 'pending',
          nextAttemptAt: failure.nextAttemptAt,
          error: failure.message,
          faultCode: failure.faultCode,
        })
        .where(eq(operationSteps.id, step.id));
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
      await appendLog(tx, events, step, 'error', failure.detail, now);
      await finishStepRow(tx, events, step, 'failed', now, {
        error: failure.detail,
        faultCode: failure.faultCode,
      });
      await applyFailureScope(tx, events, operation, step, outcome.failedVmIds, failure.detail, now);
    }
  }
}

async function completeIn(
  tx: PgTx,
  events: PgEventBatch,
  claimed: ClaimedStep,
  outcome: StepOutcome,
  options: CompleteOptions,
): Promise<boolean> {
  const { now, workerId } = options;
  const operation = await lockOperation(tx, claimed.operation.id);
  const [step] = await tx.select().from(operationSteps).where(eq(operationSteps.id, claimed.step.id));
  if (step && options.notes && isUnrecordedAttempt(step, claimed))
    await writeHeldNotes(tx, events, step, options.notes);
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
  await recordOutcome(tx, events, operation, step, outcome, options);
  const steps = await readSteps(tx, operation.id);
  // Between steps the operation is free for any worker, except inside a freeze window (findOpenFreeze).
  const keepsLease = findOpenFreeze(steps) !== undefined;
  await tx
    .update(operations)
    .set({
      leaseOwner: keepsLease ? workerId : null,
      leaseExpiresAt: keepsLease ? new Date(now.getTime() + (options.leaseMs ?? DEFAULT_LEASE_MS)) : null,
    })
    .where(eq(operations.id, operation.id));
  if (steps.every((candidate) => isStepFinished(candidate.status)))
    await finishOperation(tx, events, operation.id, now);
  return true;
}
