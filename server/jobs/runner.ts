/**
 * The durable runner's state machine: every transition of an operation or step is one short
 * synchronous `BEGIN IMMEDIATE` transaction (better-sqlite3), and every driver call happens
 * between two of them, outside any transaction (worker.ts).
 *
 *   enqueueOperation ─► queued ─(admission)─► waiting ⇄ queued ─► running ─► succeeded | failed
 *                                                                    │ cancel      ▲
 *                                                                    ▼             │
 *                                                                 cancelling ─► cancelled
 *   lease expired while running ─► resume after the last finished step, or ─► interrupted
 *
 * Locks: the rows of `locks` are inserted in the transaction that admits an operation and
 * deleted in the one that finishes it, so a lock can never outlive its operation.
 *
 * Failure scope: a step that names a VM fails only that VM when the operation covers several
 * (its remaining steps are skipped, its owed cleanups still run, the others carry on); any other
 * failure fails the operation. Either way, cleanup steps whose undone step started still run.
 */
import { and, asc, eq, inArray, isNotNull, isNull, lt, ne, or, sql } from 'drizzle-orm';
import type { Db } from '../../db/client';
import {
  locks,
  type OperationKind,
  type OperationStatus,
  operationSteps,
  operations,
  operationVms,
  type StepStatus,
  stepLogs,
} from '../../db/schema';
import { type AdmissionLimits, DEFAULT_ADMISSION_LIMITS, decideAdmission } from '../engine/admission';
import { isDriverError } from '../engine/driver';
import type { OperationPlan, PlanStep } from '../engine/plan-types';
import { EventBatch } from './events';
import { DEFAULT_RETRY_POLICY, isSafeToRerun, type RetryPolicy, retryDelayMs } from './step-safety';

export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
export type OperationRow = typeof operations.$inferSelect;
export type StepRow = typeof operationSteps.$inferSelect;

/** Runs `work` in a BEGIN IMMEDIATE transaction, then publishes the events it appended. */
export function inTransaction<T>(db: Db, work: (tx: Tx, events: EventBatch) => T): T {
  const events = new EventBatch();
  const result = db.transaction((tx) => work(tx, events), { behavior: 'immediate' });
  events.publish();
  return result;
}

export function planStepOf(row: StepRow): PlanStep {
  return {
    key: row.key,
    kind: row.kind,
    title: row.title,
    vmId: row.vmId,
    hostVolumeId: row.hostVolumeId,
    arrayVolumeId: row.arrayVolumeId,
    undoes: row.undoes,
    params: row.paramsJson,
  };
}

function lockKeysOf(operation: OperationRow): { lockKeys: string[]; hostIds: string[]; arrayIds: string[] } {
  const plan = operation.planJson as unknown as OperationPlan;
  return { lockKeys: plan.lockKeys ?? [], hostIds: plan.hostIds ?? [], arrayIds: plan.arrayIds ?? [] };
}

function describePlan(plan: OperationPlan): string {
  if (plan.kind === 'backup') {
    const names = plan.vms.map((vm) => vm.vmName);
    const methods = [...new Set(plan.vms.map((vm) => vm.method))].join(', ');
    const who = names.length <= 3 ? names.join(', ') : `${names.slice(0, 3).join(', ')} +${names.length - 3}`;
    return `Backup ${who} (${methods})`;
  }
  return `Restore ${plan.mode} from point ${plan.restorePointId}`;
}

function vmIdsOfPlan(plan: OperationPlan): string[] {
  if (plan.kind === 'backup') return plan.vms.map((vm) => vm.vmId);
  return [...new Set([plan.vmId, ...plan.collateral.map((vm) => vm.vmId)])];
}

// ------------------------------------------------------------------------------------------ enqueue

export interface EnqueueOptions {
  id: string;
  now: Date;
  jobId?: string | null;
  retryOfId?: string | null;
  title?: string;
}

/** Writes the operation, its steps and its `operation.queued` event in one transaction. */
export function enqueueOperation(
  db: Db,
  plan: OperationPlan,
  request: Record<string, unknown>,
  options: EnqueueOptions,
): OperationRow {
  if (!plan.isRunnable) throw new Error(`plan is not runnable: ${plan.blockedReasons.join('; ')}`);
  const keys = new Set<string>();
  for (const step of plan.steps) {
    if (keys.has(step.key)) throw new Error(`plan has two steps with key "${step.key}"`);
    keys.add(step.key);
  }
  const kind: OperationKind = plan.kind;
  const title = options.title ?? describePlan(plan);
  return inTransaction(db, (tx, events) => {
    const operation = tx
      .insert(operations)
      .values({
        id: options.id,
        kind,
        status: 'queued',
        title,
        planJson: plan as unknown as Record<string, unknown>,
        requestJson: request,
        jobId: options.jobId ?? null,
        retryOfId: options.retryOfId ?? null,
        createdAt: options.now,
      })
      .returning()
      .get();
    const vmIds = vmIdsOfPlan(plan);
    if (vmIds.length > 0) {
      tx.insert(operationVms)
        .values(vmIds.map((vmId) => ({ operationId: operation.id, vmId })))
        .run();
    }
    if (plan.steps.length > 0) {
      tx.insert(operationSteps)
        .values(
          plan.steps.map((step, seq) => ({
            operationId: operation.id,
            key: step.key,
            seq,
            kind: step.kind,
            title: step.title,
            vmId: step.vmId,
            hostVolumeId: step.hostVolumeId,
            arrayVolumeId: step.arrayVolumeId,
            undoes: step.undoes,
            isCleanup: step.undoes !== null,
            paramsJson: step.params,
            status: 'pending' as const,
          })),
        )
        .run();
    }
    events.append(tx, operation.id, 'operation.queued', { kind, title }, options.now);
    return operation;
  });
}

/**
 * Records a run that could not even start (a scheduled job whose plan is blocked) as a failed
 * operation with no steps, so the missed backup is visible with its reasons.
 */
export function recordBlockedOperation(
  db: Db,
  plan: OperationPlan,
  request: Record<string, unknown>,
  options: EnqueueOptions,
): OperationRow {
  const error = `blocked: ${plan.blockedReasons.join('; ')}`;
  return inTransaction(db, (tx, events) => {
    const operation = tx
      .insert(operations)
      .values({
        id: options.id,
        kind: plan.kind,
        status: 'failed',
        title: options.title ?? describePlan(plan),
        planJson: plan as unknown as Record<string, unknown>,
        requestJson: request,
        jobId: options.jobId ?? null,
        createdAt: options.now,
        finishedAt: options.now,
        error,
      })
      .returning()
      .get();
    events.append(tx, operation.id, 'operation.finished', { status: 'failed', error }, options.now);
    return operation;
  });
}

// ---------------------------------------------------------------------------------------- admission

/**
 * Starts every queued operation the engine admits (locks free, host/array limits respected) and
 * records why the others wait. Runs inside the claim transaction.
 */
export function admitQueued(tx: Tx, events: EventBatch, now: Date, limits: AdmissionLimits): string[] {
  const active = tx
    .select()
    .from(operations)
    .where(inArray(operations.status, ['queued', 'waiting', 'running', 'cancelling']))
    .all();
  const queued = active.filter((op) => op.status === 'queued' || op.status === 'waiting');
  if (queued.length === 0) return [];
  const candidate = (op: OperationRow) => ({
    operationId: op.id,
    createdAt: op.createdAt,
    ...lockKeysOf(op),
  });
  const decision = decideAdmission(
    queued.map(candidate),
    active.filter((op) => op.status === 'running' || op.status === 'cancelling').map(candidate),
    limits,
  );
  const byId = new Map(queued.map((op) => [op.id, op]));
  for (const operationId of decision.admit) {
    const { lockKeys } = lockKeysOf(byId.get(operationId) as OperationRow);
    if (lockKeys.length > 0) {
      tx.insert(locks)
        .values(lockKeys.map((key) => ({ key, operationId, acquiredAt: now })))
        .run();
    }
    tx.update(operations)
      .set({ status: 'running', waitingReason: null, startedAt: now })
      .where(eq(operations.id, operationId))
      .run();
    events.append(tx, operationId, 'operation.started', { lockKeys }, now);
  }
  for (const waiting of decision.waiting) {
    const op = byId.get(waiting.operationId) as OperationRow;
    if (op.status === 'waiting' && op.waitingReason === waiting.reason) continue;
    tx.update(operations)
      .set({ status: 'waiting', waitingReason: waiting.reason })
      .where(eq(operations.id, op.id))
      .run();
    events.append(tx, op.id, 'operation.waiting', { reason: waiting.reason, reasons: waiting.reasons }, now);
  }
  return decision.admit;
}

// -------------------------------------------------------------------------------------------- claim

export interface ClaimedStep {
  operation: OperationRow;
  step: StepRow;
  planStep: PlanStep;
}

export interface ClaimOptions {
  workerId: string;
  now: Date;
  leaseMs: number;
  limits?: AdmissionLimits;
}

function hasStarted(step: StepRow | undefined): boolean {
  return step?.startedAt != null;
}

/**
 * Admits queued operations, then leases the next runnable step of some running operation:
 * the lowest pending step of an operation with no step running and no live lease held by
 * another worker. Cleanup steps whose undone step never started are skipped on the way.
 */
export function claimNextStep(db: Db, options: ClaimOptions): ClaimedStep | null {
  const { workerId, now, leaseMs } = options;
  return inTransaction(db, (tx, events) => {
    admitQueued(tx, events, now, options.limits ?? DEFAULT_ADMISSION_LIMITS);
    const candidates = tx
      .select()
      .from(operations)
      .where(
        and(
          inArray(operations.status, ['running', 'cancelling']),
          or(
            isNull(operations.leaseOwner),
            lt(operations.leaseExpiresAt, now),
            eq(operations.leaseOwner, workerId),
          ),
        ),
      )
      .orderBy(asc(operations.startedAt), asc(operations.id))
      .all();
    for (const operation of candidates) {
      const steps = tx
        .select()
        .from(operationSteps)
        .where(eq(operationSteps.operationId, operation.id))
        .orderBy(asc(operationSteps.seq))
        .all();
      if (steps.some((step) => step.status === 'running')) continue; // in flight, or awaiting recovery
      const byKey = new Map(steps.map((step) => [step.key, step]));
      let next: StepRow | undefined;
      for (const step of steps) {
        if (step.status !== 'pending') continue;
        if (step.isCleanup && !hasStarted(byKey.get(step.undoes ?? ''))) {
          const undone = byKey.get(step.undoes ?? '');
          finishStepRow(tx, events, operation.id, step, 'skipped', now, {
            error: `nothing to undo: "${undone?.title ?? step.undoes}" never started`,
          });
          step.status = 'skipped';
          continue;
        }
        if (!step.isCleanup && operation.endingAs) {
          finishStepRow(tx, events, operation.id, step, 'cancelled', now, { error: null });
          step.status = 'cancelled';
          continue;
        }
        next = step;
        break;
      }
      if (!next) {
        finishOperation(tx, events, operation, steps, now);
        continue;
      }
      if (next.nextAttemptAt && next.nextAttemptAt.getTime() > now.getTime()) continue;
      tx.update(operations)
        .set({ leaseOwner: workerId, leaseExpiresAt: new Date(now.getTime() + leaseMs) })
        .where(eq(operations.id, operation.id))
        .run();
      const attempt = next.attempts + 1;
      const claimed = tx
        .update(operationSteps)
        .set({ status: 'running', startedAt: now, finishedAt: null, attempts: attempt, nextAttemptAt: null })
        .where(eq(operationSteps.id, next.id))
        .returning()
        .get();
      events.append(tx, operation.id, 'step.started', { stepKey: next.key, attempt }, now);
      return {
        operation: { ...operation, leaseOwner: workerId },
        step: claimed,
        planStep: planStepOf(claimed),
      };
    }
    return null;
  });
}

/**
 * A guest freeze has succeeded and its thaw has not run yet. Inside that window the worker keeps
 * its lease between steps, so that if it dies there the lease expires and recovery sees the open
 * window (a freeze must stay under ~60 s: a snapshot taken after a takeover would not be quiesced).
 */
export function findOpenFreeze(steps: StepRow[]): StepRow | undefined {
  return steps.find(
    (step) =>
      step.kind === 'guest-freeze' &&
      step.status === 'succeeded' &&
      steps.some((cleanup) => cleanup.undoes === step.key && cleanup.status === 'pending'),
  );
}

// ------------------------------------------------------------------------------------------- leases

export interface LeaseState {
  isOwner: boolean;
  isCancelling: boolean;
}

/** Extends the lease while a step runs; tells the worker if it lost it or the op is being cancelled. */
export function renewLease(
  db: Db,
  workerId: string,
  operationId: string,
  now: Date,
  leaseMs: number,
): LeaseState {
  const updated = db
    .update(operations)
    .set({ leaseExpiresAt: new Date(now.getTime() + leaseMs) })
    .where(and(eq(operations.id, operationId), eq(operations.leaseOwner, workerId)))
    .returning({ status: operations.status })
    .get();
  return { isOwner: updated !== undefined, isCancelling: updated?.status === 'cancelling' };
}

// ----------------------------------------------------------------------------------------- complete

export type StepOutcome =
  | { status: 'succeeded'; bytes?: number; result?: Record<string, unknown> }
  /** Failed, but the job's policy carries on without it (the reason lowers the points' consistency). */
  | { status: 'degraded'; reason: string; bytes?: number; result?: Record<string, unknown> }
  | { status: 'failed'; error: unknown; failedVmIds?: string[] }
  /** Aborted because the operation is being cancelled. */
  | { status: 'cancelled' };

export interface CompleteOptions {
  workerId: string;
  now: Date;
  retry?: RetryPolicy;
  /** Lease kept between steps inside a freeze window. */
  leaseMs?: number;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function appendLog(
  tx: Tx,
  events: EventBatch,
  step: StepRow,
  level: 'info' | 'warn' | 'error',
  message: string,
  at: Date,
): void {
  tx.insert(stepLogs).values({ stepId: step.id, operationId: step.operationId, at, level, message }).run();
  events.append(tx, step.operationId, 'step.log', { stepKey: step.key, level, message }, at);
}

function finishStepRow(
  tx: Tx,
  events: EventBatch,
  operationId: string,
  step: StepRow,
  status: StepStatus,
  now: Date,
  fields: {
    error: string | null;
    bytes?: number;
    result?: Record<string, unknown>;
    faultCode?: string | null;
  },
): void {
  tx.update(operationSteps)
    .set({
      status,
      finishedAt: now,
      error: fields.error,
      faultCode: fields.faultCode ?? null,
      nextAttemptAt: null,
      ...(fields.bytes !== undefined ? { bytesDone: fields.bytes, bytesTotal: fields.bytes } : {}),
      ...(fields.result !== undefined ? { resultJson: fields.result } : {}),
    })
    .where(eq(operationSteps.id, step.id))
    .run();
  events.append(
    tx,
    operationId,
    'step.finished',
    {
      stepKey: step.key,
      status,
      bytes: fields.bytes ?? step.bytesDone,
      durationMs: step.startedAt ? now.getTime() - step.startedAt.getTime() : null,
      error: fields.error,
    },
    now,
  );
}

/**
 * Records a step's outcome (if this worker still holds the lease: a worker that lost it must not
 * overwrite what the new owner does). Retryable driver failures go back to pending with backoff;
 * other failures fail the step's VM or the operation. Returns false when the lease was lost.
 */
export function completeStep(
  db: Db,
  claimed: ClaimedStep,
  outcome: StepOutcome,
  options: CompleteOptions,
): boolean {
  const { now, workerId } = options;
  const retry = options.retry ?? DEFAULT_RETRY_POLICY;
  return inTransaction(db, (tx, events) => {
    const operation = tx.select().from(operations).where(eq(operations.id, claimed.operation.id)).get();
    const step = tx.select().from(operationSteps).where(eq(operationSteps.id, claimed.step.id)).get();
    if (!operation || !step || operation.leaseOwner !== workerId || step.status !== 'running') return false;

    if (outcome.status === 'succeeded') {
      finishStepRow(tx, events, operation.id, step, 'succeeded', now, {
        error: null,
        bytes: outcome.bytes,
        result: outcome.result,
      });
    } else if (outcome.status === 'degraded') {
      appendLog(tx, events, step, 'warn', outcome.reason, now);
      finishStepRow(tx, events, operation.id, step, 'degraded', now, {
        error: outcome.reason,
        bytes: outcome.bytes,
        result: outcome.result,
      });
    } else if (outcome.status === 'cancelled') {
      appendLog(tx, events, step, 'warn', 'aborted: the operation is being cancelled', now);
      finishStepRow(tx, events, operation.id, step, 'cancelled', now, { error: 'cancelled by the operator' });
    } else {
      const message = errorMessage(outcome.error);
      const faultCode = isDriverError(outcome.error) ? outcome.error.faultCode : null;
      const isRetryable = isDriverError(outcome.error) && outcome.error.isRetryable;
      if (isRetryable && step.attempts < retry.maxAttempts && operation.status !== 'cancelling') {
        const nextAttemptAt = new Date(now.getTime() + retryDelayMs(retry, step.attempts));
        appendLog(tx, events, step, 'warn', `attempt ${step.attempts} failed: ${message}; retrying`, now);
        tx.update(operationSteps)
          .set({ status: 'pending', nextAttemptAt, error: message, faultCode })
          .where(eq(operationSteps.id, step.id))
          .run();
        events.append(
          tx,
          operation.id,
          'step.retrying',
          {
            stepKey: step.key,
            attempt: step.attempts,
            nextAttemptAt: nextAttemptAt.toISOString(),
            error: message,
          },
          now,
        );
      } else {
        const detail = isRetryable ? `${message} (gave up after ${step.attempts} attempts)` : message;
        appendLog(tx, events, step, 'error', detail, now);
        finishStepRow(tx, events, operation.id, step, 'failed', now, { error: detail, faultCode });
        applyFailureScope(tx, events, operation, step, outcome.failedVmIds, detail, now);
      }
    }

    const steps = tx.select().from(operationSteps).where(eq(operationSteps.operationId, operation.id)).all();
    // Between steps the operation is free for any worker, except inside a freeze window (see findOpenFreeze).
    const keepsLease = findOpenFreeze(steps) !== undefined;
    tx.update(operations)
      .set({
        leaseOwner: keepsLease ? workerId : null,
        leaseExpiresAt: keepsLease ? new Date(now.getTime() + (options.leaseMs ?? 15_000)) : null,
      })
      .where(eq(operations.id, operation.id))
      .run();
    const fresh = tx.select().from(operations).where(eq(operations.id, operation.id)).get() as OperationRow;
    if (steps.every((candidate) => candidate.status !== 'pending' && candidate.status !== 'running')) {
      finishOperation(tx, events, fresh, steps, now);
    }
    return true;
  });
}

/** Extra log line for a step (progress notes, script output) outside completion. */
export function logStep(
  db: Db,
  step: StepRow,
  level: 'info' | 'warn' | 'error',
  message: string,
  now: Date,
): void {
  inTransaction(db, (tx, events) => appendLog(tx, events, step, level, message, now));
}

/** Persists copy progress (throttled by the worker) and announces it. */
export function recordProgress(
  db: Db,
  step: StepRow,
  bytesDone: number,
  now: Date,
  bytesTotal?: number,
): void {
  inTransaction(db, (tx, events) => {
    tx.update(operationSteps)
      .set({ bytesDone, ...(bytesTotal !== undefined ? { bytesTotal } : {}) })
      .where(eq(operationSteps.id, step.id))
      .run();
    events.append(
      tx,
      step.operationId,
      'step.progress',
      { stepKey: step.key, bytesDone, bytesTotal: bytesTotal ?? null },
      now,
    );
  });
}

function applyFailureScope(
  tx: Tx,
  events: EventBatch,
  operation: OperationRow,
  failed: StepRow,
  failedVmIds: string[] | undefined,
  message: string,
  now: Date,
): void {
  const planVmIds = vmIdsOfPlan(operation.planJson as unknown as OperationPlan);
  const vmIds = failedVmIds ?? (failed.vmId ? [failed.vmId] : []);
  const pending = tx
    .select()
    .from(operationSteps)
    .where(and(eq(operationSteps.operationId, operation.id), eq(operationSteps.status, 'pending')))
    .all();
  const isVmScoped =
    operation.kind === 'backup' && vmIds.length > 0 && planVmIds.some((vmId) => !vmIds.includes(vmId));
  if (isVmScoped) {
    // Fail just these VMs: their remaining work is skipped, their cleanups stay owed.
    for (const step of pending) {
      if (step.isCleanup || !step.vmId || !vmIds.includes(step.vmId)) continue;
      finishStepRow(tx, events, operation.id, step, 'skipped', now, {
        error: `VM failed at "${failed.title}"`,
      });
    }
    const error = [operation.error, `${vmIds.join(', ')}: ${message}`].filter(Boolean).join('; ');
    tx.update(operations).set({ error }).where(eq(operations.id, operation.id)).run();
    const stillAlive = planVmIds.filter((vmId) => !failedVmsOf(tx, operation.id).includes(vmId));
    if (stillAlive.length > 0) return;
  }
  failOperation(tx, events, operation, 'failed', `${failed.title}: ${message}`, now);
}

function failedVmsOf(tx: Tx, operationId: string): string[] {
  return tx
    .selectDistinct({ vmId: operationSteps.vmId })
    .from(operationSteps)
    .where(
      and(
        eq(operationSteps.operationId, operationId),
        eq(operationSteps.status, 'failed'),
        eq(operationSteps.isCleanup, false),
        isNotNull(operationSteps.vmId),
      ),
    )
    .all()
    .map((row) => row.vmId as string);
}

/** The operation can no longer succeed: cancel its remaining work, keep its owed cleanups. */
function failOperation(
  tx: Tx,
  events: EventBatch,
  operation: OperationRow,
  endingAs: 'failed' | 'cancelled' | 'interrupted',
  error: string | null,
  now: Date,
): void {
  const current = tx.select().from(operations).where(eq(operations.id, operation.id)).get() as OperationRow;
  tx.update(operations)
    .set({ endingAs: current.endingAs ?? endingAs, error: current.error ?? error })
    .where(eq(operations.id, operation.id))
    .run();
  const pending = tx
    .select()
    .from(operationSteps)
    .where(
      and(
        eq(operationSteps.operationId, operation.id),
        eq(operationSteps.status, 'pending'),
        eq(operationSteps.isCleanup, false),
      ),
    )
    .all();
  for (const step of pending)
    finishStepRow(tx, events, operation.id, step, 'cancelled', now, { error: null });
}

/** Final status, locks released in the same transaction, `operation.finished` appended. */
function finishOperation(
  tx: Tx,
  events: EventBatch,
  operation: OperationRow,
  steps: StepRow[],
  now: Date,
): void {
  if (operation.status !== 'running' && operation.status !== 'cancelling') return;
  const failedVms = failedVmsOf(tx, operation.id);
  const current = tx.select().from(operations).where(eq(operations.id, operation.id)).get() as OperationRow;
  const hasFailedStep = steps.some((step) => step.status === 'failed');
  const status: OperationStatus =
    current.endingAs ?? (failedVms.length > 0 || hasFailedStep ? 'failed' : 'succeeded');
  tx.update(operations)
    .set({ status, finishedAt: now, leaseOwner: null, leaseExpiresAt: null, waitingReason: null })
    .where(eq(operations.id, operation.id))
    .run();
  tx.delete(locks).where(eq(locks.operationId, operation.id)).run();
  events.append(tx, operation.id, 'operation.finished', { status, error: current.error }, now);
}

// ------------------------------------------------------------------------------------------- cancel

export type CancelResult = 'cancelled' | 'cancelling' | 'already-final';

/**
 * Cancel: a queued or waiting operation ends at once; a running one becomes `cancelling`, its
 * remaining work is cancelled, its owed cleanups still run, and the worker running its current
 * step sees the cancel at its next lease renewal and aborts the step.
 */
export function requestCancel(
  db: Db,
  operationId: string,
  now: Date,
  requestedBy: string | null = null,
): CancelResult {
  return inTransaction(db, (tx, events) => {
    const operation = tx.select().from(operations).where(eq(operations.id, operationId)).get();
    if (!operation) throw new Error(`operation ${operationId} does not exist`);
    if (operation.status === 'queued' || operation.status === 'waiting') {
      const steps = tx.select().from(operationSteps).where(eq(operationSteps.operationId, operationId)).all();
      for (const step of steps)
        finishStepRow(tx, events, operationId, step, 'cancelled', now, { error: null });
      tx.update(operations)
        .set({ status: 'cancelled', finishedAt: now, waitingReason: null, endingAs: 'cancelled' })
        .where(eq(operations.id, operationId))
        .run();
      events.append(tx, operationId, 'operation.finished', { status: 'cancelled', error: null }, now);
      return 'cancelled';
    }
    if (operation.status !== 'running')
      return operation.status === 'cancelling' ? 'cancelling' : 'already-final';
    tx.update(operations).set({ status: 'cancelling' }).where(eq(operations.id, operationId)).run();
    events.append(tx, operationId, 'operation.cancelling', { requestedBy }, now);
    failOperation(tx, events, operation, 'cancelled', 'cancelled by the operator', now);
    const steps = tx.select().from(operationSteps).where(eq(operationSteps.operationId, operationId)).all();
    if (steps.every((step) => step.status !== 'pending' && step.status !== 'running')) {
      finishOperation(tx, events, { ...operation, status: 'cancelling' }, steps, now);
      return 'cancelled';
    }
    return 'cancelling';
  });
}

// ----------------------------------------------------------------------------------------- recovery

export interface RecoveryReport {
  operationId: string;
  decision: 'resume' | 'interrupt';
  reason: string;
}

/**
 * Takes over operations whose worker stopped renewing its lease (crash, SIGKILL, lost host).
 * A step that was running is re-run when that is safe (step-safety.ts); otherwise, or when the
 * worker died inside a guest freeze window, the operation ends `interrupted` once its owed
 * cleanups have run. Called at worker start and periodically.
 */
export function recoverExpiredLeases(db: Db, now: Date): RecoveryReport[] {
  return inTransaction(db, (tx, events) => {
    const expired = tx
      .select()
      .from(operations)
      .where(
        and(
          inArray(operations.status, ['running', 'cancelling']),
          isNotNull(operations.leaseOwner),
          lt(operations.leaseExpiresAt, now),
        ),
      )
      .all();
    const reports: RecoveryReport[] = [];
    for (const operation of expired) {
      const steps = tx
        .select()
        .from(operationSteps)
        .where(eq(operationSteps.operationId, operation.id))
        .orderBy(asc(operationSteps.seq))
        .all();
      const running = steps.find((step) => step.status === 'running');
      const openFreeze = findOpenFreeze(steps);
      let decision: 'resume' | 'interrupt' = 'resume';
      let reason = running
        ? `worker ${operation.leaseOwner} stopped during "${running.title}"; it is safe to run again`
        : `worker ${operation.leaseOwner} stopped between steps; resuming after the last finished step`;
      if (running && !isSafeToRerun(running.kind)) {
        decision = 'interrupt';
        reason = `worker ${operation.leaseOwner} stopped during "${running.title}", which is not safe to run twice`;
      } else if (openFreeze) {
        decision = 'interrupt';
        reason = `worker ${operation.leaseOwner} stopped while ${openFreeze.vmId ?? 'a guest'} was frozen; the freeze window cannot be trusted`;
      }
      if (running) {
        if (decision === 'resume') {
          tx.update(operationSteps)
            .set({ status: 'pending', error: `re-run after: ${reason}` })
            .where(eq(operationSteps.id, running.id))
            .run();
          appendLog(tx, events, running, 'warn', reason, now);
        } else {
          appendLog(tx, events, running, 'error', reason, now);
          finishStepRow(tx, events, operation.id, running, 'failed', now, {
            error: `interrupted: ${reason}`,
          });
        }
      }
      if (decision === 'interrupt') failOperation(tx, events, operation, 'interrupted', reason, now);
      tx.update(operations)
        .set({ leaseOwner: null, leaseExpiresAt: null, attempt: sql`${operations.attempt} + 1` })
        .where(eq(operations.id, operation.id))
        .run();
      events.append(
        tx,
        operation.id,
        'operation.recovered',
        { decision, reason, previousOwner: operation.leaseOwner },
        now,
      );
      const fresh = tx
        .select()
        .from(operationSteps)
        .where(eq(operationSteps.operationId, operation.id))
        .all();
      if (fresh.every((step) => step.status !== 'pending' && step.status !== 'running')) {
        finishOperation(tx, events, operation, fresh, now);
      }
      reports.push({ operationId: operation.id, decision, reason });
    }
    return reports;
  });
}

/** Locks whose operation is no longer active: must always be empty (a test and a health check). */
export function findLeakedLocks(db: Db): { key: string; operationId: string }[] {
  return db
    .select({ key: locks.key, operationId: locks.operationId })
    .from(locks)
    .innerJoin(operations, eq(operations.id, locks.operationId))
    .where(and(ne(operations.status, 'running'), ne(operations.status, 'cancelling')))
    .all();
}
