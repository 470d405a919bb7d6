/**
 * Row-level transitions shared by the PostgreSQL OperationStore's verbs, each run inside the verb's
 * transaction — the same writes as ../sqlite/operation-transitions.ts, decided by the same
 * server/engine/operation-rules.ts. Lock rows are inserted in one sorted order, so two admitting
 * transactions can never wait on each other's keys in a cycle.
 */
import { and, eq, getTableColumns, isNotNull } from 'drizzle-orm';
import {
  decideFailureScope,
  decideFinalStatus,
  describeOutcomeWarnings,
  isDroppedWhenEnding,
} from '../../../server/engine/operation-rules';
import { isSuccessfulOperationStatus, type StepStatus } from '../../../server/engine/statuses';
import { locks, operationPayloads, operationSteps, operations, stepLogs } from '../../pg/schema';
import type {
  HeldStepNotes,
  LogLevel,
  OperationRecord,
  OperationRow,
  StepRecord,
} from '../ports/operation-store';
import { planOf } from '../sqlite/operation-transitions';
import { releaseAdmissionIn } from './operation-admission';
import type { PgEventBatch, PgTx } from './transaction';

export { planOf, planStepOf } from '../sqlite/operation-transitions';

/** An operation's row and its plan and request (`operation_payloads`, joined by primary key). */
export async function readOperation(
  tx: Pick<PgTx, 'select'>,
  operationId: string,
): Promise<OperationRecord | undefined> {
  const [row] = await tx
    .select({
      ...getTableColumns(operations),
      planJson: operationPayloads.planJson,
      requestJson: operationPayloads.requestJson,
    })
    .from(operations)
    .innerJoin(operationPayloads, eq(operationPayloads.operationId, operations.id))
    .where(eq(operations.id, operationId));
  return row;
}

/** The operation's row alone: status, lease, outcome (what the transitions decide on). */
export async function readOperationRow(tx: PgTx, operationId: string): Promise<OperationRow | undefined> {
  const [row] = await tx.select().from(operations).where(eq(operations.id, operationId));
  return row;
}

/** An operation's plan and request, read when a step or a claim needs them. */
export async function readPayload(
  tx: PgTx,
  operationId: string,
): Promise<Pick<OperationRecord, 'planJson' | 'requestJson'>> {
  const [payload] = await tx
    .select({ planJson: operationPayloads.planJson, requestJson: operationPayloads.requestJson })
    .from(operationPayloads)
    .where(eq(operationPayloads.operationId, operationId));
  if (!payload) throw new Error(`operation ${operationId} has no plan`);
  return payload;
}

/** The operation row, locked for this transaction (`FOR NO KEY UPDATE`: events' FK checks pass). */
export async function lockOperation(tx: PgTx, operationId: string): Promise<OperationRow | undefined> {
  const [row] = await tx.select().from(operations).where(eq(operations.id, operationId)).for('no key update');
  return row;
}

export async function readSteps(tx: PgTx, operationId: string): Promise<StepRecord[]> {
  return tx
    .select()
    .from(operationSteps)
    .where(eq(operationSteps.operationId, operationId))
    .orderBy(operationSteps.seq);
}

export async function appendLog(
  tx: PgTx,
  events: PgEventBatch,
  step: StepRecord,
  level: LogLevel,
  message: string,
  at: Date,
): Promise<void> {
  await tx.insert(stepLogs).values({ stepId: step.id, operationId: step.operationId, at, level, message });
  events.append(tx, step.operationId, 'step.log', { stepKey: step.key, level, message }, at);
}

/** A step's held log lines and progress (CompleteOptions.notes), in the order they were reported. */
export async function writeHeldNotes(
  tx: PgTx,
  events: PgEventBatch,
  step: StepRecord,
  notes: HeldStepNotes,
): Promise<void> {
  const { progress } = notes;
  let isProgressWritten = progress === null;
  for (const line of notes.logs) {
    if (progress && !isProgressWritten && progress.at < line.at) {
      await writeProgress(tx, events, step, progress.bytesDone, progress.at, progress.bytesTotal);
      isProgressWritten = true;
    }
    await appendLog(tx, events, step, line.level, line.message, line.at);
  }
  if (progress && !isProgressWritten)
    await writeProgress(tx, events, step, progress.bytesDone, progress.at, progress.bytesTotal);
}

export async function writeProgress(
  tx: PgTx,
  events: PgEventBatch,
  step: StepRecord,
  bytesDone: number,
  at: Date,
  bytesTotal?: number,
): Promise<void> {
  await tx
    .update(operationSteps)
    .set({ bytesDone, ...(bytesTotal !== undefined ? { bytesTotal } : {}) })
    .where(eq(operationSteps.id, step.id));
  events.append(
    tx,
    step.operationId,
    'step.progress',
    { stepKey: step.key, bytesDone, bytesTotal: bytesTotal ?? null },
    at,
  );
}

export async function finishStepRow(
  tx: PgTx,
  events: PgEventBatch,
  step: StepRecord,
  status: StepStatus,
  now: Date,
  fields: {
    error: string | null;
    warning?: string | null;
    bytes?: number;
    result?: Record<string, unknown>;
    faultCode?: string | null;
  },
): Promise<void> {
  await tx
    .update(operationSteps)
    .set({
      status,
      finishedAt: now,
      error: fields.error,
      warning: fields.warning ?? null,
      faultCode: fields.faultCode ?? null,
      nextAttemptAt: null,
      ...(fields.bytes !== undefined ? { bytesDone: fields.bytes, bytesTotal: fields.bytes } : {}),
      ...(fields.result !== undefined ? { resultJson: fields.result } : {}),
    })
    .where(eq(operationSteps.id, step.id));
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
async function failedVmsOf(tx: PgTx, operationId: string): Promise<string[]> {
  const rows = await tx
    .selectDistinct({ vmId: operationSteps.vmId })
    .from(operationSteps)
    .where(
      and(
        eq(operationSteps.operationId, operationId),
        eq(operationSteps.status, 'failed'),
        eq(operationSteps.isCleanup, false),
        isNotNull(operationSteps.vmId),
      ),
    );
  return rows.map((row) => row.vmId as string);
}

/**
 * The operation can no longer succeed: cancel its remaining work, keep its owed cleanups and the
 * deletions already started (isDroppedWhenEnding).
 */
export async function failOperation(
  tx: PgTx,
  events: PgEventBatch,
  operationId: string,
  endingAs: 'failed' | 'cancelled' | 'interrupted',
  error: string | null,
  now: Date,
): Promise<void> {
  const current = (await readOperationRow(tx, operationId)) as OperationRow;
  await tx
    .update(operations)
    .set({ endingAs: current.endingAs ?? endingAs, error: current.error ?? error })
    .where(eq(operations.id, operationId));
  for (const step of await readSteps(tx, operationId)) {
    if (step.status === 'pending' && isDroppedWhenEnding(step)) {
      await finishStepRow(tx, events, step, 'cancelled', now, { error: null });
    }
  }
}

/** Applies operation-rules' failure scope to a step that has just been recorded failed. */
export async function applyFailureScope(
  tx: PgTx,
  events: PgEventBatch,
  operation: OperationRow,
  failed: StepRecord,
  failedVmIds: string[] | undefined,
  message: string,
  now: Date,
): Promise<void> {
  const vmIds = failedVmIds ?? (failed.vmId ? [failed.vmId] : []);
  const scope = decideFailureScope(
    planOf(await readPayload(tx, operation.id)),
    vmIds,
    await failedVmsOf(tx, operation.id),
  );
  if (scope.vmIds.length > 0) {
    for (const step of await readSteps(tx, operation.id)) {
      if (step.status !== 'pending' || step.isCleanup || !step.vmId || !scope.vmIds.includes(step.vmId))
        continue;
      await finishStepRow(tx, events, step, 'skipped', now, { error: `VM failed at "${failed.title}"` });
    }
    const current = (await readOperationRow(tx, operation.id)) as OperationRow;
    const error = [current.error, `${scope.vmNames.join(', ')}: ${message}`].filter(Boolean).join('; ');
    await tx.update(operations).set({ error }).where(eq(operations.id, operation.id));
  }
  if (scope.failsOperation)
    await failOperation(tx, events, operation.id, 'failed', `${failed.title}: ${message}`, now);
}

/** Final status, locks released in the same transaction, `operation.finished` appended. */
export async function finishOperation(
  tx: PgTx,
  events: PgEventBatch,
  operationId: string,
  now: Date,
): Promise<void> {
  const current = (await readOperationRow(tx, operationId)) as OperationRow;
  if (current.status !== 'running' && current.status !== 'cancelling') return;
  const steps = await readSteps(tx, operationId);
  // The row's warnings until now are the plan's shortfalls (written at enqueue: planShortfallsOf).
  const status = decideFinalStatus(current.endingAs, steps, current.warningsJson);
  const warnings =
    status === 'succeeded-with-warnings' ? describeOutcomeWarnings(current.warningsJson, steps) : [];
  // A cancel that stopped nothing (decideFinalStatus) leaves no "cancelled by the operator" behind.
  const error = isSuccessfulOperationStatus(status) ? null : current.error;
  await tx
    .update(operations)
    .set({
      status,
      error,
      finishedAt: now,
      leaseOwner: null,
      leaseExpiresAt: null,
      waitingReason: null,
      warningsJson: warnings,
    })
    .where(eq(operations.id, operationId));
  // Before its lock rows go: the operations waiting on them are woken.
  await releaseAdmissionIn(tx, operationId, true);
  await tx.delete(locks).where(eq(locks.operationId, operationId));
  events.append(tx, operationId, 'operation.finished', { status, error, warnings }, now);
}
