/**
 * Row-level transitions shared by the PostgreSQL OperationStore's verbs, each run inside the verb's
 * transaction — the same writes as ../sqlite/operation-transitions.ts, decided by the same
 * server/engine/operation-rules.ts. Lock rows are inserted in one sorted order, so two admitting
 * transactions can never wait on each other's keys in a cycle.
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
} from '../../pg/schema';
import {
  type AdmissionRow,
  admissionCandidateOf,
  admissionRowOf,
  lockedIdsOf,
  lockNamesOf,
} from '../admission-rows';
import type { LogLevel, OperationRecord, StepRecord } from '../ports/operation-store';
import { planOf } from '../sqlite/operation-transitions';
import type { PgEventBatch, PgTx } from './transaction';

export { planOf, planStepOf } from '../sqlite/operation-transitions';

export async function readOperation(tx: PgTx, operationId: string): Promise<OperationRecord | undefined> {
  const [row] = await tx.select().from(operations).where(eq(operations.id, operationId));
  return row;
}

/** The operation row, locked for this transaction (`FOR NO KEY UPDATE`: events' FK checks pass). */
export async function lockOperation(tx: PgTx, operationId: string): Promise<OperationRecord | undefined> {
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

/** The operation can no longer succeed: cancel its remaining work, keep its owed cleanups. */
export async function failOperation(
  tx: PgTx,
  events: PgEventBatch,
  operationId: string,
  endingAs: 'failed' | 'cancelled' | 'interrupted',
  error: string | null,
  now: Date,
): Promise<void> {
  const current = (await readOperation(tx, operationId)) as OperationRecord;
  await tx
    .update(operations)
    .set({ endingAs: current.endingAs ?? endingAs, error: current.error ?? error })
    .where(eq(operations.id, operationId));
  for (const step of await readSteps(tx, operationId)) {
    if (step.status === 'pending' && !step.isCleanup) {
      await finishStepRow(tx, events, step, 'cancelled', now, { error: null });
    }
  }
}

/** Applies operation-rules' failure scope to a step that has just been recorded failed. */
export async function applyFailureScope(
  tx: PgTx,
  events: PgEventBatch,
  operation: OperationRecord,
  failed: StepRecord,
  failedVmIds: string[] | undefined,
  message: string,
  now: Date,
): Promise<void> {
  const vmIds = failedVmIds ?? (failed.vmId ? [failed.vmId] : []);
  const scope = decideFailureScope(planOf(operation), vmIds, await failedVmsOf(tx, operation.id));
  if (scope.vmIds.length > 0) {
    for (const step of await readSteps(tx, operation.id)) {
      if (step.status !== 'pending' || step.isCleanup || !step.vmId || !scope.vmIds.includes(step.vmId))
        continue;
      await finishStepRow(tx, events, step, 'skipped', now, { error: `VM failed at "${failed.title}"` });
    }
    const current = (await readOperation(tx, operation.id)) as OperationRecord;
    const error = [current.error, `${scope.vmIds.join(', ')}: ${message}`].filter(Boolean).join('; ');
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
  const current = (await readOperation(tx, operationId)) as OperationRecord;
  if (current.status !== 'running' && current.status !== 'cancelling') return;
  const steps = await readSteps(tx, operationId);
  const status = decideFinalStatus(current.endingAs, steps);
  const warnings = status === 'succeeded-with-warnings' ? describeWarnings(steps) : [];
  await tx
    .update(operations)
    .set({
      status,
      finishedAt: now,
      leaseOwner: null,
      leaseExpiresAt: null,
      waitingReason: null,
      warningsJson: warnings,
    })
    .where(eq(operations.id, operationId));
  await tx.delete(locks).where(eq(locks.operationId, operationId));
  events.append(tx, operationId, 'operation.finished', { status, error: current.error, warnings }, now);
}

/** What admission reads of each active operation (admission-rows.ts), extracted in SQL from the plan. */
const ADMISSION_COLUMNS = {
  id: operations.id,
  status: operations.status,
  title: operations.title,
  createdAt: operations.createdAt,
  waitingReason: operations.waitingReason,
  lockKeys: sql<string[] | null>`${operations.planJson}->'lockKeys'`,
  hostIds: sql<string[] | null>`${operations.planJson}->'hostIds'`,
  arrayIds: sql<string[] | null>`${operations.planJson}->'arrayIds'`,
};

/**
 * The names the reasons mention: hosts and arrays the active operations touch, what the waiting
 * ones' lock keys lock, and the active operations' titles (only those, looked up by id).
 */
async function admissionNames(tx: PgTx, active: AdmissionRow[]): Promise<AdmissionNames> {
  const hostIds = [...new Set(active.flatMap((op) => op.hostIds))];
  const arrayIds = [...new Set(active.flatMap((op) => op.arrayIds))];
  const locked = lockedIdsOf(active.filter((op) => op.status === 'queued' || op.status === 'waiting'));
  const named = (rows: { id: string; name: string }[]) => new Map(rows.map((row) => [row.id, row.name]));
  const some = async <T>(ids: string[], read: () => Promise<T[]>): Promise<T[]> =>
    ids.length === 0 ? [] : read();
  return {
    hosts: named(
      await some(hostIds, () =>
        tx.select({ id: hosts.id, name: hosts.name }).from(hosts).where(inArray(hosts.id, hostIds)),
      ),
    ),
    arrays: named(
      await some(arrayIds, () =>
        tx
          .select({ id: storageArrays.id, name: storageArrays.name })
          .from(storageArrays)
          .where(inArray(storageArrays.id, arrayIds)),
      ),
    ),
    locks: lockNamesOf({
      vms: await some(locked.vm, () =>
        tx.select({ id: vms.id, name: vms.name }).from(vms).where(inArray(vms.id, locked.vm)),
      ),
      hostVolumes: await some(locked['host-volume'], () =>
        tx
          .select({ id: hostVolumes.id, name: hostVolumes.name, hostName: hosts.name })
          .from(hostVolumes)
          .innerJoin(hosts, eq(hosts.id, hostVolumes.hostId))
          .where(inArray(hostVolumes.id, locked['host-volume'])),
      ),
      arrayVolumes: await some(locked['array-volume'], () =>
        tx
          .select({ id: arrayVolumes.id, name: arrayVolumes.name })
          .from(arrayVolumes)
          .where(inArray(arrayVolumes.id, locked['array-volume'])),
      ),
      points: await some(locked.point, () =>
        tx
          .select({ id: restorePoints.id, vmName: restorePoints.vmName, createdAt: restorePoints.createdAt })
          .from(restorePoints)
          .where(inArray(restorePoints.id, locked.point)),
      ),
    }),
    operations: new Map(active.map((op) => [op.id, op.title])),
  };
}

/**
 * Starts every queued operation the engine admits (locks free, host/array limits respected across
 * every worker: admission reads all active operations) and records why the others wait. The caller
 * holds the admission advisory lock, so two admissions never decide on the same picture.
 */
export async function admitQueued(
  tx: PgTx,
  events: PgEventBatch,
  now: Date,
  limits: AdmissionLimits,
  workers: readonly WorkerScope[] = [],
): Promise<string[]> {
  const active = (
    await tx
      .select(ADMISSION_COLUMNS)
      .from(operations)
      .where(inArray(operations.status, ['queued', 'waiting', 'running', 'cancelling']))
  ).map(admissionRowOf);
  const queued = active.filter((op) => op.status === 'queued' || op.status === 'waiting');
  if (queued.length === 0) return [];
  const candidate = admissionCandidateOf;
  // A running operation holds its lock rows: its plan's keys plus any it took while running
  // (acquireLocks: the points retention prunes).
  const heldKeys = new Map<string, string[]>();
  for (const row of await tx.select({ key: locks.key, operationId: locks.operationId }).from(locks)) {
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
    await admissionNames(tx, active),
  );
  const byId = new Map(queued.map((op) => [op.id, op]));
  const admitted: string[] = [];
  const stillQueued = and(inArray(operations.status, ['queued', 'waiting']));
  for (const operationId of decision.admit) {
    // Guarded by status: a cancel that committed since the read above keeps its operation cancelled.
    const started = await tx
      .update(operations)
      .set({ status: 'running', waitingReason: null, startedAt: now })
      .where(and(eq(operations.id, operationId), stillQueued))
      .returning({ id: operations.id });
    if (started.length === 0) continue;
    const { lockKeys } = byId.get(operationId) as AdmissionRow;
    const sorted = [...lockKeys].sort();
    if (sorted.length > 0) {
      await tx.insert(locks).values(sorted.map((key) => ({ key, operationId, acquiredAt: now })));
    }
    events.append(tx, operationId, 'operation.started', { lockKeys }, now);
    admitted.push(operationId);
  }
  for (const waiting of decision.waiting) {
    const op = byId.get(waiting.operationId) as AdmissionRow;
    if (op.status === 'waiting' && op.waitingReason === waiting.reason) continue;
    const marked = await tx
      .update(operations)
      .set({ status: 'waiting', waitingReason: waiting.reason })
      .where(and(eq(operations.id, op.id), stillQueued))
      .returning({ id: operations.id });
    if (marked.length === 0) continue;
    events.append(tx, op.id, 'operation.waiting', { reason: waiting.reason, reasons: waiting.reasons }, now);
  }
  return admitted;
}
