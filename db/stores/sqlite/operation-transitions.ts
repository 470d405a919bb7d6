/**
 * Row-level transitions shared by the SQLite OperationStore's verbs, each run inside the verb's
 * transaction: finish a step, log, fail or finish an operation, admit queued operations. The
 * decisions come from server/engine/operation-rules.ts; these functions only write them.
 */
import { and, eq, inArray, isNotNull, sql } from 'drizzle-orm';
import {
  type AdmissionLimits,
  type AdmissionNames,
  decideAdmission,
  type WorkerScope,
} from '../../../server/engine/admission';
import {
  decideFailureScope,
  decideFinalStatus,
  describeWarnings,
} from '../../../server/engine/operation-rules';
import type { OperationPlan, PlanStep } from '../../../server/engine/plan-types';
import type { StepStatus } from '../../../server/engine/statuses';
import {
  arrayVolumes,
  hosts,
  hostVolumes,
  locks,
  operationSteps,
  operations,
  restorePoints,
  stepLogs,
  storageArrays,
  vms,
} from '../../schema';
import {
  type AdmissionRow,
  admissionCandidateOf,
  admissionRowOf,
  lockedIdsOf,
  lockNamesOf,
} from '../admission-rows';
import type { LogLevel, OperationRecord, StepRecord } from '../ports/operation-store';
import type { EventBatch, Tx } from './transaction';

export function planOf(operation: OperationRecord): OperationPlan {
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

export function readOperation(tx: Tx, operationId: string): OperationRecord | undefined {
  return tx.select().from(operations).where(eq(operations.id, operationId)).get();
}

export function readSteps(tx: Tx, operationId: string): StepRecord[] {
  return tx
    .select()
    .from(operationSteps)
    .where(eq(operationSteps.operationId, operationId))
    .orderBy(operationSteps.seq)
    .all();
}

export function appendLog(
  tx: Tx,
  events: EventBatch,
  step: StepRecord,
  level: LogLevel,
  message: string,
  at: Date,
): void {
  tx.insert(stepLogs).values({ stepId: step.id, operationId: step.operationId, at, level, message }).run();
  events.append(tx, step.operationId, 'step.log', { stepKey: step.key, level, message }, at);
}

export function finishStepRow(
  tx: Tx,
  events: EventBatch,
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
): void {
  tx.update(operationSteps)
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
    .where(eq(operationSteps.id, step.id))
    .run();
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

/** The operation can no longer succeed: cancel its remaining work, keep its owed cleanups. */
export function failOperation(
  tx: Tx,
  events: EventBatch,
  operationId: string,
  endingAs: 'failed' | 'cancelled' | 'interrupted',
  error: string | null,
  now: Date,
): void {
  const current = readOperation(tx, operationId) as OperationRecord;
  tx.update(operations)
    .set({ endingAs: current.endingAs ?? endingAs, error: current.error ?? error })
    .where(eq(operations.id, operationId))
    .run();
  for (const step of readSteps(tx, operationId)) {
    if (step.status === 'pending' && !step.isCleanup) {
      finishStepRow(tx, events, step, 'cancelled', now, { error: null });
    }
  }
}

/** Applies operation-rules' failure scope to a step that has just been recorded failed. */
export function applyFailureScope(
  tx: Tx,
  events: EventBatch,
  operation: OperationRecord,
  failed: StepRecord,
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
    const current = readOperation(tx, operation.id) as OperationRecord;
    const error = [current.error, `${scope.vmIds.join(', ')}: ${message}`].filter(Boolean).join('; ');
    tx.update(operations).set({ error }).where(eq(operations.id, operation.id)).run();
  }
  if (scope.failsOperation)
    failOperation(tx, events, operation.id, 'failed', `${failed.title}: ${message}`, now);
}

/** Final status, locks released in the same transaction, `operation.finished` appended. */
export function finishOperation(tx: Tx, events: EventBatch, operationId: string, now: Date): void {
  const current = readOperation(tx, operationId) as OperationRecord;
  if (current.status !== 'running' && current.status !== 'cancelling') return;
  const steps = readSteps(tx, operationId);
  const status = decideFinalStatus(current.endingAs, steps);
  const warnings = status === 'succeeded-with-warnings' ? describeWarnings(steps) : [];
  tx.update(operations)
    .set({
      status,
      finishedAt: now,
      leaseOwner: null,
      leaseExpiresAt: null,
      waitingReason: null,
      warningsJson: warnings,
    })
    .where(eq(operations.id, operationId))
    .run();
  tx.delete(locks).where(eq(locks.operationId, operationId)).run();
  events.append(tx, operationId, 'operation.finished', { status, error: current.error, warnings }, now);
}

/** What admission reads of each active operation (admission-rows.ts), extracted in SQL from the plan. */
const ADMISSION_COLUMNS = {
  id: operations.id,
  status: operations.status,
  title: operations.title,
  createdAt: operations.createdAt,
  waitingReason: operations.waitingReason,
  lockKeys: sql<string | null>`json_extract(${operations.planJson}, '$.lockKeys')`,
  hostIds: sql<string | null>`json_extract(${operations.planJson}, '$.hostIds')`,
  arrayIds: sql<string | null>`json_extract(${operations.planJson}, '$.arrayIds')`,
};

/**
 * The names the reasons mention: hosts and arrays the active operations touch, what the waiting
 * ones' lock keys lock, and the active operations' titles (only those, looked up by id).
 */
function admissionNames(tx: Tx, active: AdmissionRow[]): AdmissionNames {
  const hostIds = [...new Set(active.flatMap((op) => op.hostIds))];
  const arrayIds = [...new Set(active.flatMap((op) => op.arrayIds))];
  const locked = lockedIdsOf(active.filter((op) => op.status === 'queued' || op.status === 'waiting'));
  const named = (rows: { id: string; name: string }[]) => new Map(rows.map((row) => [row.id, row.name]));
  const some = <T>(ids: string[], read: () => T[]): T[] => (ids.length === 0 ? [] : read());
  return {
    hosts: named(
      some(hostIds, () =>
        tx.select({ id: hosts.id, name: hosts.name }).from(hosts).where(inArray(hosts.id, hostIds)).all(),
      ),
    ),
    arrays: named(
      some(arrayIds, () =>
        tx
          .select({ id: storageArrays.id, name: storageArrays.name })
          .from(storageArrays)
          .where(inArray(storageArrays.id, arrayIds))
          .all(),
      ),
    ),
    locks: lockNamesOf({
      vms: some(locked.vm, () =>
        tx.select({ id: vms.id, name: vms.name }).from(vms).where(inArray(vms.id, locked.vm)).all(),
      ),
      hostVolumes: some(locked['host-volume'], () =>
        tx
          .select({ id: hostVolumes.id, name: hostVolumes.name, hostName: hosts.name })
          .from(hostVolumes)
          .innerJoin(hosts, eq(hosts.id, hostVolumes.hostId))
          .where(inArray(hostVolumes.id, locked['host-volume']))
          .all(),
      ),
      arrayVolumes: some(locked['array-volume'], () =>
        tx
          .select({ id: arrayVolumes.id, name: arrayVolumes.name })
          .from(arrayVolumes)
          .where(inArray(arrayVolumes.id, locked['array-volume']))
          .all(),
      ),
      points: some(locked.point, () =>
        tx
          .select({ id: restorePoints.id, vmName: restorePoints.vmName, createdAt: restorePoints.createdAt })
          .from(restorePoints)
          .where(inArray(restorePoints.id, locked.point))
          .all(),
      ),
    }),
    operations: new Map(active.map((op) => [op.id, op.title])),
  };
}

/**
 * Starts every queued operation the engine admits (locks free, host/array limits respected) and
 * records why the others wait. Runs inside the claim transaction.
 */
export function admitQueued(
  tx: Tx,
  events: EventBatch,
  now: Date,
  limits: AdmissionLimits,
  workers: readonly WorkerScope[] = [],
): string[] {
  const active = tx
    .select(ADMISSION_COLUMNS)
    .from(operations)
    .where(inArray(operations.status, ['queued', 'waiting', 'running', 'cancelling']))
    .all()
    .map(admissionRowOf);
  const queued = active.filter((op) => op.status === 'queued' || op.status === 'waiting');
  if (queued.length === 0) return [];
  const candidate = admissionCandidateOf;
  // A running operation holds its lock rows: its plan's keys plus any it took while running
  // (acquireLocks: the points retention prunes).
  const heldKeys = new Map<string, string[]>();
  for (const row of tx.select({ key: locks.key, operationId: locks.operationId }).from(locks).all()) {
    heldKeys.set(row.operationId, [...(heldKeys.get(row.operationId) ?? []), row.key]);
  }
  const runningCandidate = (op: AdmissionRow) => ({
    ...candidate(op),
    lockKeys: heldKeys.get(op.id) ?? [],
  });
  const decision = decideAdmission(
    queued.map(candidate),
    active.filter((op) => op.status === 'running' || op.status === 'cancelling').map(runningCandidate),
    limits,
    workers,
    admissionNames(tx, active),
  );
  const byId = new Map(queued.map((op) => [op.id, op]));
  for (const operationId of decision.admit) {
    const { lockKeys } = byId.get(operationId) as AdmissionRow;
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
    const op = byId.get(waiting.operationId) as AdmissionRow;
    if (op.status === 'waiting' && op.waitingReason === waiting.reason) continue;
    tx.update(operations)
      .set({ status: 'waiting', waitingReason: waiting.reason })
      .where(eq(operations.id, op.id))
      .run();
    events.append(tx, op.id, 'operation.waiting', { reason: waiting.reason, reasons: waiting.reasons }, now);
  }
  return decision.admit;
}
