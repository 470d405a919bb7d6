/**
 * Operations use cases: preview and start backups and restores, cancel, list and inspect
 * operations, stream their events (retrying what failed: retry-service.ts). The engine plans, the runner (server/jobs)
 * executes; this layer validates, loads what planning needs and turns refusals into DomainErrors.
 *
 * Conflicts are not errors: a backup of a VM that another operation holds is queued and waits
 * (with the reason shown), it is never rejected. Blockers are errors: a plan the engine says
 * cannot run is refused with PRECONDITION_FAILED naming every blocked reason.
 */

import type { Page, Stores } from '../../db/stores/ports';
import type { JobRecord } from '../../db/stores/ports/job-store';
import type { OperationListItem } from '../../db/stores/ports/operation-store';
import { actorLabel, SCHEDULER_ACTOR, type ServiceContext } from '../context';
import { unplannableBackup } from '../engine/backup-plan';
import type { BackupPlan, OperationPlan, RestorePlan } from '../engine/plan-types';
import { copiedBytesOf, isFinalOperationStatus } from '../engine/statuses';
import { firstLiveOverwrite } from '../engine/step-safety';
import { OPERATION_STATUS_LABELS } from '../engine/words';
import type { OperationEvent } from '../jobs/events';
import { type OperationListQueryInput, operationListQueryInput } from '../schemas/operation-queries';
import {
  type BackupRequest,
  type BackupRequestInput,
  backupRequestInput,
  type RestoreRequest,
  type RestoreRequestInput,
  restoreRequestInput,
} from '../schemas/operations';
import { type StartRestoreInput, startRestoreInput } from '../schemas/wizard';
import { type AccountNames, actorNameOf } from './actor-names';
import { DomainError, isDomainError, notOnRecord } from './errors';
import { parseInput } from './parse-input';
import {
  assertSameEstate,
  type BackupJobContext,
  jobContextOf,
  planBackupFor,
  planBlockedError,
  planRestoreFor,
} from './plans';

// ------------------------------------------------------------------------------------------ backup

/** Dry run: the plan the runner would execute (steps, findings, blockers, locks), nothing written. */
export async function previewBackup(
  stores: Stores,
  ctx: ServiceContext,
  input: BackupRequestInput,
): Promise<BackupPlan> {
  return (await planBackupFor(stores, ctx, parseInput(backupRequestInput, input))).plan;
}

export interface StartedOperation {
  operationId: string;
  status: OperationListItem['status'];
  plan: OperationPlan;
}

export interface BackupStartOptions {
  job?: BackupJobContext;
  retryOfId?: string;
  /** The operation's title when the plan's own ("Backup web-01") is not what the operator knows it by. */
  title?: string;
}

export async function startBackup(
  stores: Stores,
  ctx: ServiceContext,
  input: BackupRequestInput,
  options: BackupStartOptions = {},
): Promise<StartedOperation> {
  const request = parseInput(backupRequestInput, input);
  const { plan } = await planBackupFor(stores, ctx, request, options.job);
  return enqueueBackup(stores, ctx, request, plan, options);
}

/** Enqueues a plan already made (and, for the wizard, reviewed); refused when it is blocked. */
export async function enqueueBackup(
  stores: Stores,
  ctx: ServiceContext,
  request: BackupRequest,
  plan: BackupPlan,
  options: BackupStartOptions = {},
): Promise<StartedOperation> {
  if (!plan.isRunnable) throw planBlockedError('backup', plan.blockedReasons);
  const operation = await stores.operations.enqueue(plan, request as unknown as Record<string, unknown>, {
    id: `op-${ctx.newId()}`,
    now: ctx.now(),
    requestedBy: actorLabel(ctx.actor),
    jobId: options.job?.id ?? null,
    retryOfId: options.retryOfId ?? null,
    title: options.title,
  });
  return { operationId: operation.id, status: operation.status, plan };
}

/**
 * Plans a scheduled run of `job` and, in one transaction with the claim of its schedule
 * checkpoint, enqueues it. A run whose plan is blocked still leaves a trace: a failed operation
 * naming the blockers, so the operator sees that the 02:00 backup did not happen, and why.
 * Null when another scheduler claimed the run first, or the job was saved since it was read (an
 * edit or a disable while the run was planned: the next tick decides from the job as saved).
 */
/**
 * A claimed tick of a job: the run's operation (null when the tick runs nothing) and, when its plan
 * could not run, why (the operation is recorded failed with those reasons).
 */
export interface ClaimedScheduledRun {
  operationId: string | null;
  blockedReasons: string[] | null;
}

export async function claimScheduledBackup(
  stores: Stores,
  ctx: ServiceContext,
  job: JobRecord,
  checkpoint: { lastScheduledAt: Date | null; nextRunAt: Date | null; runNow: boolean },
): Promise<ClaimedScheduledRun | null> {
  const base = {
    jobId: job.id,
    expectedLastScheduledAt: job.lastScheduledAt,
    expectedUpdatedAt: job.updatedAt,
    lastScheduledAt: checkpoint.lastScheduledAt,
    nextRunAt: checkpoint.nextRunAt,
  };
  if (!checkpoint.runNow) {
    const claimed = await stores.jobs.claimScheduledRun({ ...base, run: null });
    return claimed ? { operationId: null, blockedReasons: null } : null;
  }
  const { plan, request } = await scheduledPlanOf(stores, ctx, job);
  const claimed = await stores.jobs.claimScheduledRun({
    ...base,
    run: {
      kind: plan.isRunnable ? 'enqueue' : 'blocked',
      plan,
      request,
      options: {
        id: `op-${ctx.newId()}`,
        now: ctx.now(),
        requestedBy: actorLabel(ctx.actor),
        jobId: job.id,
        title: `Backup job ${job.name} (scheduled)`,
      },
    },
  });
  if (!claimed) return null;
  return {
    operationId: claimed.operation?.id ?? null,
    blockedReasons: claimed.operation && !plan.isRunnable ? plan.blockedReasons : null,
  };
}

/**
 * The plan of a job's scheduled run. A saved request that no longer validates (saved by an older
 * release, or naming what the planner now refuses) gives a blocked plan saying so: the run is
 * recorded failed in the job's history and the operations list, where the operator looks, and its
 * slot is consumed (it would fail the same way on every tick). Other errors (the database) are
 * thrown: the job stays due and the next tick tries again.
 */
async function scheduledPlanOf(
  stores: Stores,
  ctx: ServiceContext,
  job: JobRecord,
): Promise<{ plan: BackupPlan; request: Record<string, unknown> }> {
  try {
    const request = parseInput(backupRequestInput, job.requestJson);
    const { plan } = await planBackupFor(stores, ctx, request, jobContextOf(job));
    return { plan, request: request as unknown as Record<string, unknown> };
  } catch (error) {
    if (!isDomainError(error)) throw error;
    ctx.log.warn({ jobId: job.id, err: error }, 'a scheduled backup could not be planned');
    const why = error.code === 'INVALID_INPUT' ? invalidSettingsOf(error) : error.message;
    return { plan: unplannableBackup(why), request: job.requestJson };
  }
}

/** What no longer validates in a job's saved settings, and what the operator can do about it. */
function invalidSettingsOf(error: DomainError): string {
  const fields = error.fieldErrors.map((field) => `${field.path}: ${field.message}`).join('; ');
  return `The job's saved backup settings are no longer valid (${fields || error.message}): open the job, review it and save it again.`;
}

// ----------------------------------------------------------------------------------------- restore

/** A restore plan as the wizard reviews it: the plan and the fingerprint its start must bring back. */
export type RestoreReview = RestorePlan & { fingerprint: string };

/** Dry run with the blast radius (collateral VMs and their data loss, discarded points, findings). */
export async function previewRestore(
  stores: Stores,
  ctx: ServiceContext,
  input: RestoreRequestInput,
): Promise<RestoreReview> {
  const { plan, fingerprint } = await planRestoreFor(stores, ctx, parseInput(restoreRequestInput, input));
  return { ...plan, fingerprint };
}

/** Starts a restore; a destructive mode needs the typed confirmation the plan asks for. */
export async function startRestore(
  stores: Stores,
  ctx: ServiceContext,
  input: RestoreRequestInput,
  options: { retryOfId?: string } = {},
): Promise<StartedOperation> {
  const request = parseInput(restoreRequestInput, input);
  const { plan } = await planRestoreFor(stores, ctx, request);
  return enqueueRestore(stores, ctx, request, plan, options);
}

/**
 * Starts the reviewed restore: refused with CONFLICT when the estate changed since the review
 * (the plan would not be the one reviewed), else the plan made now, which is the reviewed one.
 */
export async function startReviewedRestore(
  stores: Stores,
  ctx: ServiceContext,
  input: StartRestoreInput,
  options: { retryOfId?: string } = {},
): Promise<StartedOperation> {
  const { request, fingerprint } = parseInput(startRestoreInput, input);
  const planned = await planRestoreFor(stores, ctx, request);
  assertSameEstate(fingerprint, planned);
  return enqueueRestore(stores, ctx, request, planned.plan, options);
}

/** Enqueues a restore planned already (a retry plans it to check its confirmation first). */
export async function enqueueRestore(
  stores: Stores,
  ctx: ServiceContext,
  request: RestoreRequest,
  plan: RestorePlan,
  options: { retryOfId?: string } = {},
): Promise<StartedOperation> {
  if (!plan.isRunnable) throw planBlockedError('restore', plan.blockedReasons);
  // The point is about to go: the restore would wait for its lock, then find nothing to restore.
  if ((await stores.restorePoints.activeDeletionsOf(request.restorePointId)).length > 0) {
    throw new DomainError(
      'CONFLICT',
      'This restore point is being deleted; choose another point, or cancel its deletion first',
    );
  }
  const operation = await stores.operations.enqueue(plan, request as unknown as Record<string, unknown>, {
    id: `op-${ctx.newId()}`,
    now: ctx.now(),
    requestedBy: actorLabel(ctx.actor),
    retryOfId: options.retryOfId ?? null,
  });
  return { operationId: operation.id, status: operation.status, plan };
}

// ------------------------------------------------------------------------------------------ cancel

export async function cancelOperation(
  stores: Stores,
  ctx: ServiceContext,
  operationId: string,
): Promise<OperationDetail['operation']> {
  const operation = await stores.operations.get(operationId);
  if (!operation) throw notOnRecord('operation', 'id');
  if (isFinalOperationStatus(operation.status)) {
    throw new DomainError(
      'CONFLICT',
      `"${operation.title}" already ended (${OPERATION_STATUS_LABELS[operation.status]}); nothing to cancel`,
    );
  }
  const result = await stores.operations.cancel(operationId, ctx.now(), actorLabel(ctx.actor));
  if (result === 'overwriting') {
    const steps = await stores.operations.steps(operationId);
    const started = firstLiveOverwrite(
      steps.filter((step) => step.startedAt !== null).map((step) => ({ ...step, params: step.paramsJson })),
    );
    throw new DomainError(
      'CONFLICT',
      `"${operation.title}" can no longer be cancelled: "${started?.title ?? 'its restore'}" has started overwriting live data, and stopped now it would leave it half-written, neither as it was nor as the restore point holds it. The restore runs to its end; the cancel changed nothing`,
    );
  }
  return (await getOperation(stores, operationId)).operation;
}

// ------------------------------------------------------------------------------------------- reads

export { type OperationListQueryInput, operationListQueryInput } from '../schemas/operation-queries';

/** Newest first, filtered and paged in SQL. */
export async function listOperations(
  stores: Stores,
  input: OperationListQueryInput = {},
): Promise<Page<OperationListItem>> {
  return stores.operations.list(parseInput(operationListQueryInput, input));
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
  /** What the step left short of its plan, in words (null when nothing). */
  warning: string | null;
  faultCode: string | null;
}

export interface OperationDetail {
  operation: OperationListItem & {
    plan: OperationPlan;
    request: Record<string, unknown>;
    endingAs: string | null;
    leaseOwner: string | null;
    /** actorLabel of who asked ("user:<id>"), and who that is in words (actor-names.ts). */
    requestedBy: string;
    requestedByName: string;
    cancelledBy: string | null;
    cancelledByName: string | null;
    /** The run this one retries, by its title and when it was queued; null when none (or it is gone). */
    retryOf: { id: string; title: string; createdAt: Date } | null;
  };
  steps: OperationStepDetail[];
  logs: { id: number; stepId: number; at: Date; level: string; message: string }[];
  /** Resume the event stream after this id (SSE `lastEventId`). */
  lastEventId: number;
}

export async function getOperation(
  stores: Stores,
  operationId: string,
  options: { logLimit?: number; accounts?: AccountNames } = {},
): Promise<OperationDetail> {
  const row = await stores.operations.get(operationId);
  if (!row) throw notOnRecord('operation', 'id');
  const steps = await stores.operations.steps(operationId);
  const logs = await stores.operations.logs(operationId, options.logLimit ?? 500);
  const lastEventId = await stores.operations.lastEventId(operationId);
  const retried = row.retryOfId ? await stores.operations.get(row.retryOfId) : null;
  const accounts = options.accounts ?? null;
  return {
    operation: {
      id: row.id,
      kind: row.kind,
      status: row.status,
      title: row.title,
      waitingReason: row.waitingReason,
      jobId: row.jobId,
      isScheduledRun: row.requestedBy === actorLabel(SCHEDULER_ACTOR),
      retryOfId: row.retryOfId,
      createdAt: row.createdAt,
      startedAt: row.startedAt,
      finishedAt: row.finishedAt,
      error: row.error,
      warnings: row.warningsJson,
      attempt: row.attempt,
      stepsTotal: steps.length,
      stepsDone: steps.filter((step) => step.status === 'succeeded' || step.status === 'degraded').length,
      stepsFailed: steps.filter((step) => step.status === 'failed').length,
      stepsNotRun: steps.filter((step) => step.status === 'skipped' || step.status === 'cancelled').length,
      bytesDone: copiedBytesOf(steps),
      plan: row.planJson as unknown as OperationPlan,
      request: row.requestJson,
      endingAs: row.endingAs,
      leaseOwner: row.leaseOwner,
      requestedBy: row.requestedBy,
      requestedByName: await actorNameOf(row.requestedBy, accounts),
      cancelledBy: row.cancelledBy,
      cancelledByName: row.cancelledBy === null ? null : await actorNameOf(row.cancelledBy, accounts),
      retryOf: retried ? { id: retried.id, title: retried.title, createdAt: retried.createdAt } : null,
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
      warning: step.warning,
      faultCode: step.faultCode,
    })),
    logs: logs.map((log) => ({
      id: log.id,
      stepId: log.stepId,
      at: log.at,
      level: log.level,
      message: log.message,
    })),
    lastEventId,
  };
}

/** Events after `afterId` (all operations or one): what an SSE stream replays on reconnect. */
export async function listEventsSince(
  stores: Stores,
  input: { operationId?: string; afterId?: number; limit?: number } = {},
): Promise<OperationEvent[]> {
  return stores.operations.readEventsAfter(input);
}

export type { OperationEvent, OperationEventPayloads, OperationEventType } from '../jobs/events';
export { subscribeToOperationEvents } from '../jobs/events';
