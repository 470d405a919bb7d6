/**
 * Row-level transitions shared by the SQLite OperationStore's verbs, each run inside the verb's
 * transaction: finish a step, log, fail or finish an operation (admission: ./operation-admission.ts). The
 * decisions come from server/engine/operation-rules.ts; these functions only write them.
 */
import { and, asc, eq, getTableColumns, gt, inArray, isNotNull, or, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/sqlite-core';
import {
  decideFailureScope,
  decideFinalStatus,
  describeOutcomeWarnings,
  isDroppedWhenEnding,
} from '../../../server/engine/operation-rules';
import type { OperationPlan, PlanStep } from '../../../server/engine/plan-types';
import { isSuccessfulOperationStatus, type StepStatus } from '../../../server/engine/statuses';
import { locks, operationPayloads, operationSteps, operations, stepLogs } from '../../schema';
import type { HeldStepNotes, LogLevel, OperationRecord, StepRecord } from '../ports/operation-store';
import { releaseAdmissionIn } from './operation-admission';
import { preparedIn, settable, slot } from './prepared';
import type { EventBatch, Tx } from './transaction';

export function planOf(operation: Pick<OperationRecord, 'planJson'>): OperationPlan {
  return operation.planJson as unknown as OperationPlan;
}

export function planStepOf(row: StepRecord): PlanStep {
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

/** An operation's row and its plan and request (`operation_payloads`, joined by primary key). */
export const OPERATION_RECORD_COLUMNS = {
  ...getTableColumns(operations),
  planJson: operationPayloads.planJson,
  requestJson: operationPayloads.requestJson,
};

export function readOperation(tx: Pick<Tx, 'select'>, operationId: string): OperationRecord | undefined {
  return tx
    .select(OPERATION_RECORD_COLUMNS)
    .from(operations)
    .innerJoin(operationPayloads, eq(operationPayloads.operationId, operations.id))
    .where(eq(operations.id, operationId))
    .get();
}

/** What the transitions decide on, without the plan and request (JSON read only when needed). */
export type OperationState = Pick<
  OperationRecord,
  'id' | 'status' | 'leaseOwner' | 'endingAs' | 'error' | 'warningsJson'
>;

export function readOperationState(tx: Tx, operationId: string): OperationState | undefined {
  return preparedIn(tx, 'readOperationState', () =>
    tx
      .select({
        id: operations.id,
        status: operations.status,
        leaseOwner: operations.leaseOwner,
        endingAs: operations.endingAs,
        error: operations.error,
        warningsJson: operations.warningsJson,
      })
      .from(operations)
      .where(eq(operations.id, slot('id', operations.id)))
      .prepare(),
  ).get({ id: operationId });
}

/** A step as the transitions read it: everything but the driver's parameters and result (JSON). */
export type StepRow = Omit<StepRecord, 'paramsJson' | 'resultJson'>;

const { paramsJson: _params, resultJson: _result, ...STEP_ROW_COLUMNS } = getTableColumns(operationSteps);

/**
 * An operation's steps in plan order, without their JSON: a claim or a completion decides on
 * statuses, and a volume's backup has hundreds of steps.
 */
export function readSteps(tx: Tx, operationId: string): StepRow[] {
  return preparedIn(tx, 'readSteps', () =>
    tx
      .select(STEP_ROW_COLUMNS)
      .from(operationSteps)
      .where(eq(operationSteps.operationId, slot('operationId', operationSteps.operationId)))
      .orderBy(operationSteps.seq)
      .prepare(),
  ).all({ operationId });
}

/**
 * Pending steps read per round of a claim: the first that runs ends the walk. The first round reads
 * one: the first pending step is the next to run unless the operation is ending or it is a cleanup
 * of a step that never started, and reading (and mapping) eight rows took twice as long (86 µs).
 */
export const PENDING_STEPS_FIRST_ROUND = 1;
export const PENDING_STEPS_PER_ROUND = 8;

const undone = alias(operationSteps, 'undone');

/** A pending step with what the next-step rule reads of the step it undoes (null: none). */
export type PendingStepRow = StepRow & { undoneTitle: string | null; undoneStartedAt: Date | null };

/**
 * An operation's pending steps after `afterSeq` in plan order, a round at a time, each with its
 * undone step's title and start (by the unique operation + key index): a claim reads the steps it
 * decides on, not the whole plan (a volume's backup has hundreds of steps).
 */
export function readPendingSteps(
  tx: Tx,
  operationId: string,
  afterSeq: number,
  limit: number,
): PendingStepRow[] {
  return preparedIn(tx, 'readPendingSteps', () =>
    tx
      .select({ ...STEP_ROW_COLUMNS, undoneTitle: undone.title, undoneStartedAt: undone.startedAt })
      .from(operationSteps)
      .leftJoin(
        undone,
        and(eq(undone.operationId, operationSteps.operationId), eq(undone.key, operationSteps.undoes)),
      )
      .where(
        and(
          eq(operationSteps.operationId, slot('operationId', operationSteps.operationId)),
          eq(operationSteps.status, 'pending'),
          gt(operationSteps.seq, slot('afterSeq', operationSteps.seq)),
        ),
      )
      .orderBy(asc(operationSteps.seq))
      .limit(sql.placeholder('limit'))
      .prepare(),
  ).all({ operationId, afterSeq, limit });
}

/** Whether an operation has a step in one of `statuses` (one row at most). */
function hasStepIn(tx: Tx, name: string, statuses: StepStatus[], operationId: string): boolean {
  return (
    preparedIn(tx, name, () =>
      tx
        .select({ id: operationSteps.id })
        .from(operationSteps)
        .where(
          and(
            eq(operationSteps.operationId, slot('operationId', operationSteps.operationId)),
            inArray(operationSteps.status, statuses),
          ),
        )
        .limit(1)
        .prepare(),
    ).get({ operationId }) !== undefined
  );
}

/** A step in flight or awaiting recovery: the operation is busy. */
export function hasRunningStep(tx: Tx, operationId: string): boolean {
  return hasStepIn(tx, 'hasRunningStep', ['running'], operationId);
}

/** Some step is still to run or running: the operation is not finished. */
export function hasUnfinishedStep(tx: Tx, operationId: string): boolean {
  return hasStepIn(tx, 'hasUnfinishedStep', ['pending', 'running'], operationId);
}

/**
 * The only steps findOpenFreeze can name or match: the succeeded guest freezes and the pending
 * cleanups. Given these, it answers as it does given every step. Only the four fields it reads:
 * every completion asks, and a volume's backup has a pending cleanup per VM.
 */
export function readFreezeWindowSteps(
  tx: Tx,
  operationId: string,
): Pick<StepRow, 'key' | 'kind' | 'status' | 'undoes'>[] {
  return preparedIn(tx, 'readFreezeWindowSteps', () =>
    tx
      .select({
        key: operationSteps.key,
        kind: operationSteps.kind,
        status: operationSteps.status,
        undoes: operationSteps.undoes,
      })
      .from(operationSteps)
      .where(
        and(
          eq(operationSteps.operationId, slot('operationId', operationSteps.operationId)),
          or(
            and(eq(operationSteps.kind, 'guest-freeze'), eq(operationSteps.status, 'succeeded')),
            and(eq(operationSteps.status, 'pending'), isNotNull(operationSteps.undoes)),
          ),
        ),
      )
      .orderBy(asc(operationSteps.seq))
      .prepare(),
  ).all({ operationId });
}

export function appendLog(
  tx: Tx,
  events: EventBatch,
  step: StepRow,
  level: LogLevel,
  message: string,
  at: Date,
): void {
  tx.insert(stepLogs).values({ stepId: step.id, operationId: step.operationId, at, level, message }).run();
  events.append(tx, step.operationId, 'step.log', { stepKey: step.key, level, message }, at);
}

/** A step's held log lines and progress (CompleteOptions.notes), in the order they were reported. */
export function writeHeldNotes(tx: Tx, events: EventBatch, step: StepRow, notes: HeldStepNotes): void {
  const { progress } = notes;
  let isProgressWritten = progress === null;
  for (const line of notes.logs) {
    if (progress && !isProgressWritten && progress.at < line.at) {
      writeProgress(tx, events, step, progress.bytesDone, progress.at, progress.bytesTotal);
      isProgressWritten = true;
    }
    appendLog(tx, events, step, line.level, line.message, line.at);
  }
  if (progress && !isProgressWritten)
    writeProgress(tx, events, step, progress.bytesDone, progress.at, progress.bytesTotal);
}

export function writeProgress(
  tx: Tx,
  events: EventBatch,
  step: StepRow,
  bytesDone: number,
  at: Date,
  bytesTotal?: number,
): void {
  tx.update(operationSteps)
    .set({ bytesDone, ...(bytesTotal !== undefined ? { bytesTotal } : {}) })
    .where(eq(operationSteps.id, step.id))
    .run();
  events.append(
    tx,
    step.operationId,
    'step.progress',
    { stepKey: step.key, bytesDone, bytesTotal: bytesTotal ?? null },
    at,
  );
}

export function finishStepRow(
  tx: Tx,
  events: EventBatch,
  step: StepRow,
  status: StepStatus,
  now: Date,
  fields: {
    error: string | null;
    warning?: string | null;
    bytes?: number;
    result?: Record<string, unknown>;
    faultCode?: string | null;
  },
): void {
  const hasBytes = fields.bytes !== undefined;
  const hasResult = fields.result !== undefined;
  // Bytes and result are written only when given: one statement per combination.
  preparedIn(tx, `finishStepRow:${hasBytes}:${hasResult}`, () =>
    tx
      .update(operationSteps)
      .set({
        status: settable('status'),
        finishedAt: settable('finishedAt'),
        error: settable('error'),
        warning: settable('warning'),
        faultCode: settable('faultCode'),
        nextAttemptAt: null,
        ...(hasBytes ? { bytesDone: settable('bytes'), bytesTotal: settable('bytes') } : {}),
        ...(hasResult ? { resultJson: settable('result') } : {}),
      })
      .where(eq(operationSteps.id, slot('id', operationSteps.id)))
      .prepare(),
  ).run({
    id: step.id,
    status,
    finishedAt: now,
    error: fields.error,
    warning: fields.warning ?? null,
    faultCode: fields.faultCode ?? null,
    bytes: fields.bytes,
    result: fields.result,
  });
  step.status = status;
  step.warning = fields.warning ?? null;
  events.append(
    tx,
    step.operationId,
    'step.finished',
    {
      stepKey: step.key,
      status,
      bytes: fields.bytes ?? step.bytesDone,
      durationMs: step.startedAt ? now.getTime() - step.startedAt.getTime() : null,
      error: fields.error,
      warning: fields.warning ?? null,
    },
    now,
  );
}

/** VMs with a failed regular step. */
export function failedVmsOf(tx: Tx, operationId: string): string[] {
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

/**
 * The operation can no longer succeed: cancel its remaining work, keep its owed cleanups and the
 * deletions already started (isDroppedWhenEnding).
 */
export function failOperation(
  tx: Tx,
  events: EventBatch,
  operationId: string,
  endingAs: 'failed' | 'cancelled' | 'interrupted',
  error: string | null,
  now: Date,
): void {
  const current = readOperationState(tx, operationId) as OperationState;
  tx.update(operations)
    .set({ endingAs: current.endingAs ?? endingAs, error: current.error ?? error })
    .where(eq(operations.id, operationId))
    .run();
  for (const step of readSteps(tx, operationId)) {
    if (step.status === 'pending' && isDroppedWhenEnding(step)) {
      finishStepRow(tx, events, step, 'cancelled', now, { error: null });
    }
  }
}

/** Applies operation-rules' failure scope to a step that has just been recorded failed. */
export function applyFailureScope(
  tx: Tx,
  events: EventBatch,
  operation: OperationRecord,
  failed: StepRow,
  failedVmIds: string[] | undefined,
  message: string,
  now: Date,
): void {
  const vmIds = failedVmIds ?? (failed.vmId ? [failed.vmId] : []);
  const scope = decideFailureScope(planOf(operation), vmIds, failedVmsOf(tx, operation.id));
  if (scope.vmIds.length > 0) {
    // Fail just these VMs: their remaining work is skipped, their cleanups stay owed.
    for (const step of readSteps(tx, operation.id)) {
      if (step.status !== 'pending' || step.isCleanup || !step.vmId || !scope.vmIds.includes(step.vmId))
        continue;
      finishStepRow(tx, events, step, 'skipped', now, { error: `VM failed at "${failed.title}"` });
    }
    const current = readOperationState(tx, operation.id) as OperationState;
    const error = [current.error, `${scope.vmNames.join(', ')}: ${message}`].filter(Boolean).join('; ');
    tx.update(operations).set({ error }).where(eq(operations.id, operation.id)).run();
  }
  if (scope.failsOperation)
    failOperation(tx, events, operation.id, 'failed', `${failed.title}: ${message}`, now);
}

/** Final status, locks released in the same transaction, `operation.finished` appended. */
export function finishOperation(tx: Tx, events: EventBatch, operationId: string, now: Date): void {
  const current = readOperationState(tx, operationId) as OperationState;
  if (current.status !== 'running' && current.status !== 'cancelling') return;
  const steps = readSteps(tx, operationId);
  // The row's warnings until now are the plan's shortfalls (written at enqueue: planShortfallsOf).
  const status = decideFinalStatus(current.endingAs, steps, current.warningsJson);
  const warnings =
    status === 'succeeded-with-warnings' ? describeOutcomeWarnings(current.warningsJson, steps) : [];
  // A cancel that stopped nothing (decideFinalStatus) leaves no "cancelled by the operator" behind.
  const error = isSuccessfulOperationStatus(status) ? null : current.error;
  tx.update(operations)
    .set({
      status,
      error,
      finishedAt: now,
      leaseOwner: null,
      leaseExpiresAt: null,
      waitingReason: null,
      warningsJson: warnings,
    })
    .where(eq(operations.id, operationId))
    .run();
  // Before its lock rows go: the operations waiting on them are woken.
  releaseAdmissionIn(tx, operationId, true);
  tx.delete(locks).where(eq(locks.operationId, operationId)).run();
  events.append(tx, operationId, 'operation.finished', { status, error, warnings }, now);
}
