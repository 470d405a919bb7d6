/**
 * Operations use cases: preview and start backups and restores, cancel, retry what failed, list
 * and inspect operations, stream their events. The engine plans, the runner (server/jobs)
 * executes; this layer validates, loads what planning needs and turns refusals into DomainErrors.
 *
 * Conflicts are not errors: a backup of a VM that another operation holds is queued and waits
 * (with the reason shown), it is never rejected. Blockers are errors: a plan the engine says
 * cannot run is refused with PRECONDITION_FAILED naming every blocked reason.
 */
import { randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../db/client';
import {
  backupJobs,
  isFinalOperationStatus,
  OPERATION_KINDS,
  OPERATION_STATUSES,
  operationEvents,
  operations,
  restorePoints,
} from '../../db/schema';
import { loadInventory } from '../../db/stores/inventory-store';
import {
  type OperationListItem,
  type PageOf,
  queryOperationLogs,
  queryOperationSteps,
  queryOperations,
  queryPointsOnSameScope,
  type RestorePointRow,
} from '../../db/stores/operations-store';
import { planBackup } from '../engine/backup-plan';
import { indexInventory } from '../engine/inventory';
import type { BackupPlan, RestorePlan } from '../engine/plan-types';
import { planRestore } from '../engine/restore-plan';
import type { RestorePointSummary } from '../engine/restore-points';
import type { RetentionPolicy } from '../engine/step-params';
import { listEventsSince as listEventRows, type OperationEvent } from '../jobs/events';
import { enqueueOperation, recordBlockedOperation, requestCancel } from '../jobs/runner';
import { wakeRuntimeWorker } from '../jobs/runtime';
import {
  type BackupRequest,
  type BackupRequestFormValues,
  backupRequestSchema,
  type RestoreRequest,
  type RestoreRequestFormValues,
  restoreRequestSchema,
} from '../schemas/operations';
import { DomainError, notFound } from './errors';
import { parseInput } from './parse-input';

export interface ServiceClock {
  now?: () => Date;
  newId?: () => string;
}

const defaultNow = () => new Date();
const defaultNewId = () => randomUUID();

function blocked(kind: 'backup' | 'restore', reasons: string[]): DomainError {
  return new DomainError(
    'PRECONDITION_FAILED',
    `The ${kind} cannot run: ${reasons.join('; ')}`,
    reasons.map((message) => ({ path: kind === 'backup' ? 'scope' : 'mode', message })),
  );
}

// ------------------------------------------------------------------------------------------ backup

export interface BackupJobContext {
  id: string;
  retention: RetentionPolicy;
  timeZone: string;
}

function planBackupFor(
  db: Db,
  request: BackupRequest,
  clock: ServiceClock,
  job?: BackupJobContext,
): BackupPlan {
  const index = indexInventory(loadInventory(db));
  return planBackup(index, request, {
    now: (clock.now ?? defaultNow)(),
    newId: clock.newId ?? defaultNewId,
    job,
  });
}

/** Dry run: the plan the runner would execute (steps, findings, blockers, locks), nothing written. */
export function previewBackup(db: Db, input: BackupRequestFormValues, clock: ServiceClock = {}): BackupPlan {
  return planBackupFor(db, parseInput(backupRequestSchema, input), clock);
}

export interface StartedOperation {
  operationId: string;
  status: OperationListItem['status'];
  plan: BackupPlan | RestorePlan;
}

export function startBackup(
  db: Db,
  input: BackupRequestFormValues,
  options: ServiceClock & { job?: BackupJobContext; retryOfId?: string } = {},
): StartedOperation {
  const request = parseInput(backupRequestSchema, input);
  const plan = planBackupFor(db, request, options, options.job);
  if (!plan.isRunnable) throw blocked('backup', plan.blockedReasons);
  const operation = enqueueOperation(db, plan, request as unknown as Record<string, unknown>, {
    id: `op-${(options.newId ?? defaultNewId)()}`,
    now: (options.now ?? defaultNow)(),
    jobId: options.job?.id ?? null,
    retryOfId: options.retryOfId ?? null,
  });
  wakeRuntimeWorker();
  return { operationId: operation.id, status: operation.status, plan };
}

/**
 * A scheduled run whose plan is blocked still leaves a trace: a failed operation naming the
 * blockers, so the operator sees that the 02:00 backup did not happen, and why.
 */
export function startScheduledBackup(db: Db, job: typeof backupJobs.$inferSelect, now: Date): string {
  const request = parseInput(backupRequestSchema, job.requestJson);
  const context: BackupJobContext = {
    id: job.id,
    retention: job.retentionJson as unknown as RetentionPolicy,
    timeZone: job.timeZone,
  };
  const plan = planBackupFor(db, request, { now: () => now }, context);
  const id = `op-${defaultNewId()}`;
  if (!plan.isRunnable) {
    recordBlockedOperation(db, plan, request as unknown as Record<string, unknown>, {
      id,
      now,
      jobId: job.id,
      title: `Backup job ${job.name}`,
    });
    return id;
  }
  enqueueOperation(db, plan, request as unknown as Record<string, unknown>, {
    id,
    now,
    jobId: job.id,
    title: `Backup job ${job.name}`,
  });
  wakeRuntimeWorker();
  return id;
}

// ----------------------------------------------------------------------------------------- restore

export function pointSummaryOf(row: RestorePointRow): RestorePointSummary {
  return {
    id: row.id,
    vmId: row.vmId,
    vmName: row.vmName,
    method: row.method,
    consistency: row.consistency,
    consistencyReason: row.consistencyReason,
    captureState: row.captureState,
    createdAt: row.createdAt,
    hostVolumeId: row.hostVolumeId,
    arrayVolumeId: row.arrayVolumeId,
    snapshotId: row.snapshotId,
    heldDiskIds: row.heldDisksJson,
    missingDiskIds: row.missingDisksJson,
    sizeBytes: row.sizeBytes,
    jobId: row.jobId,
    expiresAt: row.expiresAt,
  };
}

function planRestoreFor(db: Db, request: RestoreRequest, clock: ServiceClock): RestorePlan {
  const point = db.select().from(restorePoints).where(eq(restorePoints.id, request.restorePointId)).get();
  if (!point) throw notFound('Restore point', request.restorePointId);
  const index = indexInventory(loadInventory(db));
  return planRestore(index, pointSummaryOf(point), request, {
    now: (clock.now ?? defaultNow)(),
    pointsOnSameScope: queryPointsOnSameScope(db, point).map(pointSummaryOf),
    newId: clock.newId ?? defaultNewId,
  });
}

/** Dry run with the blast radius (collateral VMs and their data loss, discarded points, findings). */
export function previewRestore(
  db: Db,
  input: RestoreRequestFormValues,
  clock: ServiceClock = {},
): RestorePlan {
  return planRestoreFor(db, parseInput(restoreRequestSchema, input), clock);
}

/** Starts a restore; a destructive mode needs the typed confirmation the plan asks for. */
export function startRestore(
  db: Db,
  input: RestoreRequestFormValues,
  options: ServiceClock & { retryOfId?: string } = {},
): StartedOperation {
  const request = parseInput(restoreRequestSchema, input);
  const plan = planRestoreFor(db, request, options);
  if (!plan.isRunnable) throw blocked('restore', plan.blockedReasons);
  const operation = enqueueOperation(db, plan, request as unknown as Record<string, unknown>, {
    id: `op-${(options.newId ?? defaultNewId)()}`,
    now: (options.now ?? defaultNow)(),
    retryOfId: options.retryOfId ?? null,
  });
  wakeRuntimeWorker();
  return { operationId: operation.id, status: operation.status, plan };
}

// -------------------------------------------------------------------------------- cancel and retry

export function cancelOperation(
  db: Db,
  operationId: string,
  clock: ServiceClock = {},
): OperationDetail['operation'] {
  const operation = db.select().from(operations).where(eq(operations.id, operationId)).get();
  if (!operation) throw notFound('Operation', operationId);
  if (isFinalOperationStatus(operation.status)) {
    throw new DomainError(
      'CONFLICT',
      `Operation ${operationId} already ended (${operation.status}); nothing to cancel`,
    );
  }
  requestCancel(db, operationId, (clock.now ?? defaultNow)());
  wakeRuntimeWorker();
  return getOperation(db, operationId).operation;
}

/**
 * Retry what failed as a new operation: for a backup, the VMs that did not get a point (VM-scoped
 * requests narrow to them; a volume scope is captured whole again); for a restore, the same request.
 */
export function retryFailed(db: Db, operationId: string, clock: ServiceClock = {}): StartedOperation {
  const operation = db.select().from(operations).where(eq(operations.id, operationId)).get();
  if (!operation) throw notFound('Operation', operationId);
  if (!['failed', 'interrupted', 'cancelled'].includes(operation.status)) {
    throw new DomainError(
      'CONFLICT',
      `Operation ${operationId} is ${operation.status}; only failed, interrupted or cancelled operations can be retried`,
    );
  }
  if (operation.kind === 'restore') {
    return startRestore(db, operation.requestJson as RestoreRequestFormValues, {
      ...clock,
      retryOfId: operationId,
    });
  }
  const request = parseInput(backupRequestSchema, operation.requestJson);
  const plan = operation.planJson as unknown as BackupPlan;
  const catalogued = new Set(
    db
      .select({ vmId: restorePoints.vmId })
      .from(restorePoints)
      .where(eq(restorePoints.operationId, operationId))
      .all()
      .map((row) => row.vmId),
  );
  const failedVmIds = plan.vms.map((vm) => vm.vmId).filter((vmId) => !catalogued.has(vmId));
  if (failedVmIds.length === 0) {
    throw new DomainError(
      'CONFLICT',
      `Every VM of operation ${operationId} has its restore point; nothing to retry`,
    );
  }
  const narrowed: BackupRequest =
    request.scope.kind === 'vms'
      ? {
          ...request,
          scope: { kind: 'vms', vmIds: failedVmIds },
          methodByVm: pick(request.methodByVm, failedVmIds),
          scripts: pick(request.scripts, failedVmIds),
        }
      : request;
  const job = operation.jobId
    ? db.select().from(backupJobs).where(eq(backupJobs.id, operation.jobId)).get()
    : undefined;
  return startBackup(db, narrowed, {
    ...clock,
    retryOfId: operationId,
    job: job
      ? { id: job.id, retention: job.retentionJson as unknown as RetentionPolicy, timeZone: job.timeZone }
      : undefined,
  });
}

function pick<T>(record: Record<string, T> | undefined, keys: string[]): Record<string, T> | undefined {
  if (!record) return undefined;
  return Object.fromEntries(Object.entries(record).filter(([key]) => keys.includes(key)));
}

// ------------------------------------------------------------------------------------------- reads

export const operationListInputSchema = z.object({
  status: z.array(z.enum(OPERATION_STATUSES)).optional(),
  kind: z.enum(OPERATION_KINDS).optional(),
  vmId: z.string().min(1).optional(),
  jobId: z.string().min(1).optional(),
  cursor: z.string().min(1).optional(),
  limit: z.int().min(1).max(200).default(50),
});
export type OperationListInput = z.input<typeof operationListInputSchema>;

/** Newest first, filtered and paged in SQL. */
export function listOperations(db: Db, input: OperationListInput = {}): PageOf<OperationListItem> {
  return queryOperations(db, parseInput(operationListInputSchema, input));
}

export interface OperationStepDetail {
  id: number;
  key: string;
  seq: number;
  kind: string;
  title: string;
  vmId: string | null;
  status: string;
  isCleanup: boolean;
  undoes: string | null;
  startedAt: Date | null;
  finishedAt: Date | null;
  bytesDone: number;
  bytesTotal: number | null;
  attempts: number;
  nextAttemptAt: Date | null;
  error: string | null;
  faultCode: string | null;
}

export interface OperationDetail {
  operation: OperationListItem & {
    plan: BackupPlan | RestorePlan;
    request: Record<string, unknown>;
    endingAs: string | null;
    leaseOwner: string | null;
  };
  steps: OperationStepDetail[];
  logs: { id: number; stepId: number; at: Date; level: string; message: string }[];
  /** Resume the event stream after this id (SSE `lastEventId`). */
  lastEventId: number;
}

export function getOperation(
  db: Db,
  operationId: string,
  options: { logLimit?: number } = {},
): OperationDetail {
  const row = db.select().from(operations).where(eq(operations.id, operationId)).get();
  if (!row) throw notFound('Operation', operationId);
  const steps = queryOperationSteps(db, operationId);
  const lastEvent = db
    .select({ id: sql<number | null>`max(${operationEvents.id})` })
    .from(operationEvents)
    .where(eq(operationEvents.operationId, operationId))
    .get();
  return {
    operation: {
      id: row.id,
      kind: row.kind,
      status: row.status,
      title: row.title,
      waitingReason: row.waitingReason,
      jobId: row.jobId,
      retryOfId: row.retryOfId,
      createdAt: row.createdAt,
      startedAt: row.startedAt,
      finishedAt: row.finishedAt,
      error: row.error,
      attempt: row.attempt,
      stepsTotal: steps.length,
      stepsDone: steps.filter((step) => step.status !== 'pending' && step.status !== 'running').length,
      bytesDone: steps.reduce((sum, step) => sum + step.bytesDone, 0),
      plan: row.planJson as unknown as BackupPlan | RestorePlan,
      request: row.requestJson,
      endingAs: row.endingAs,
      leaseOwner: row.leaseOwner,
    },
    steps: steps.map((step) => ({
      id: step.id,
      key: step.key,
      seq: step.seq,
      kind: step.kind,
      title: step.title,
      vmId: step.vmId,
      status: step.status,
      isCleanup: step.isCleanup,
      undoes: step.undoes,
      startedAt: step.startedAt,
      finishedAt: step.finishedAt,
      bytesDone: step.bytesDone,
      bytesTotal: step.bytesTotal,
      attempts: step.attempts,
      nextAttemptAt: step.nextAttemptAt,
      error: step.error,
      faultCode: step.faultCode,
    })),
    logs: queryOperationLogs(db, operationId, options.logLimit ?? 500).map((log) => ({
      id: log.id,
      stepId: log.stepId,
      at: log.at,
      level: log.level,
      message: log.message,
    })),
    lastEventId: lastEvent?.id ?? 0,
  };
}

/** Events after `afterId` (all operations or one): what an SSE stream replays on reconnect. */
export function listEventsSince(
  db: Db,
  input: { operationId?: string; afterId?: number; limit?: number } = {},
): OperationEvent[] {
  return listEventRows(db, input);
}

export type { OperationEvent, OperationEventPayloads, OperationEventType } from '../jobs/events';
export { subscribeToOperationEvents } from '../jobs/events';
