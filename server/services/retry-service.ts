/**
 * "Retry what failed": a failed, interrupted or cancelled operation run again as a new one. A
 * backup or a verify retries at one click. A retry that destroys data again — a restore over what
 * exists, a point's deletion (engine/approvals.ts approvalKindOfRetry) — is confirmed afresh, by
 * the same check as its first start: the estate may have changed since, and with it the blast
 * radius the operator accepted then, so the first attempt's typed confirmation is never reused.
 * `previewRetry` shows that impact as it is now, and the name to type.
 */
import type { Stores } from '../../db/stores/ports';
import type { OperationRecord } from '../../db/stores/ports/operation-store';
import type { ServiceContext } from '../context';
import { type ApprovalKind, approvalKindOfRetry } from '../engine/approvals';
import type { BackupPlan, PointPlan, RestoreMode, RestorePlan } from '../engine/plan-types';
import { confirmationRefusal } from '../engine/restore-plan';
import { isDestructiveRestore } from '../engine/roles';
import { isFinalOperationStatus } from '../engine/statuses';
import { OPERATION_STATUS_LABELS } from '../engine/words';
import {
  type BackupRequest,
  backupRequestInput,
  type RestoreRequest,
  restoreRequestInput,
} from '../schemas/operations';
import { DomainError, isDomainError, notOnRecord, pointNotFound } from './errors';
import {
  enqueueRestore,
  previewRestore,
  type RestoreReview,
  type StartedOperation,
  startBackup,
} from './operations-service';
import { parseInput } from './parse-input';
import { type FingerprintedPlan, jobContextOf, planRestoreFor } from './plans';
import { assertPointDeleteConfirmed, POINT_DELETE_TYPED_NAME } from './point-delete-confirmation';
import { describePointDeletion, type PointDeletionPreview } from './restore-point-browser-service';
import { startPointDelete, startPointVerify } from './restore-point-service';

const RETRYABLE_STATUSES = ['failed', 'interrupted', 'cancelled'];

/** The operation, if it ended in a way a retry makes sense of; CONFLICT saying why not otherwise. */
async function retryableOperation(stores: Stores, operationId: string): Promise<OperationRecord> {
  const operation = await stores.operations.get(operationId);
  if (!operation) throw notOnRecord('operation', 'id');
  if (!RETRYABLE_STATUSES.includes(operation.status)) {
    throw new DomainError(
      'CONFLICT',
      `"${operation.title}" cannot be retried: it ${isFinalOperationStatus(operation.status) ? '' : 'is '}${OPERATION_STATUS_LABELS[operation.status]}; only failed, interrupted or cancelled operations can be`,
    );
  }
  return operation;
}

/** A retry whose restore point was deleted since is refused naming the operation, not the point's id. */
async function withPointGoneNamed<T>(title: string, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (error) {
    if (!isDomainError(error) || error.code !== 'NOT_FOUND') throw error;
    throw new DomainError('CONFLICT', `"${title}" cannot be retried: its restore point was deleted since`);
  }
}

/**
 * Retry what failed as a new operation: for a backup, the VMs that did not get a point (VM-scoped
 * requests narrow to them; a volume scope is captured whole again); for a restore, the same request
 * planned on the estate as it is now; for a verify or delete of a point, the same point again. A
 * destructive one needs `confirmation`, the name typed now (INVALID_INPUT naming it otherwise).
 */
export async function retryFailed(
  stores: Stores,
  ctx: ServiceContext,
  operationId: string,
  confirmation?: string,
): Promise<StartedOperation> {
  const operation = await retryableOperation(stores, operationId);
  const options = { retryOfId: operationId };
  switch (operation.kind) {
    case 'verify-point':
      return withPointGoneNamed(operation.title, () =>
        startPointVerify(stores, ctx, pointIdOf(operation), options),
      );
    case 'delete-point':
      return withPointGoneNamed(operation.title, async () => {
        await assertPointDeleteConfirmed(stores, {
          id: pointIdOf(operation),
          confirmation: confirmation ?? '',
        });
        return startPointDelete(stores, ctx, pointIdOf(operation), options);
      });
    case 'restore':
      return withPointGoneNamed(operation.title, async () => {
        const { request, planned } = await planRestoreRetry(stores, ctx, operation, confirmation);
        return enqueueRestore(stores, ctx, request, planned.plan, options);
      });
    case 'backup':
      return retryBackup(stores, ctx, operation);
  }
}

/**
 * What a four-eyes request for a destructive retry carries, once the name typed now confirms it as
 * the retry itself would (refused otherwise, and nothing is requested): the point to delete, or
 * the restore request with this confirmation and the fingerprint of the plan the approver reviews.
 */
export async function confirmedRetryApprovalPayload(
  stores: Stores,
  ctx: ServiceContext,
  operation: OperationRecord,
  confirmation: string | undefined,
): Promise<Record<string, unknown>> {
  const retryOfId = operation.id;
  return withPointGoneNamed(operation.title, async () => {
    if (operation.kind === 'delete-point') {
      const id = pointIdOf(operation);
      await assertPointDeleteConfirmed(stores, { id, confirmation: confirmation ?? '' });
      return { id, retryOfId };
    }
    const { request, planned } = await planRestoreRetry(stores, ctx, operation, confirmation);
    return { request, fingerprint: planned.fingerprint, retryOfId };
  });
}

function pointIdOf(operation: OperationRecord): string {
  return (operation.planJson as unknown as PointPlan).restorePointId;
}

/**
 * The stored request with the confirmation typed for this retry in place of the first attempt's,
 * planned on the estate as it is now; one that overwrites what exists is refused unless that
 * confirmation is the name this plan asks for (the wizard's start checks the same).
 */
async function planRestoreRetry(
  stores: Stores,
  ctx: ServiceContext,
  operation: OperationRecord,
  confirmation: string | undefined,
): Promise<{ request: RestoreRequest; planned: FingerprintedPlan<RestorePlan> }> {
  const request: RestoreRequest = { ...parseInput(restoreRequestInput, operation.requestJson), confirmation };
  const planned = await planRestoreFor(stores, ctx, request);
  if (isDestructiveRestore(request)) assertRestoreConfirmed(planned.plan, confirmation);
  return { request, planned };
}

/** INVALID_INPUT on `confirmation`, in the plan's own words, unless `typed` is what it asks for. */
function assertRestoreConfirmed(plan: RestorePlan, typed: string | undefined): void {
  const refusal = confirmationRefusal(plan.mode, plan.confirmationText, typed);
  if (!refusal) return;
  throw new DomainError('INVALID_INPUT', `${refusal}. Nothing was retried.`, [
    { path: 'confirmation', message: refusal },
  ]);
}

async function retryBackup(
  stores: Stores,
  ctx: ServiceContext,
  operation: OperationRecord,
): Promise<StartedOperation> {
  const request = parseInput(backupRequestInput, operation.requestJson);
  const plan = operation.planJson as unknown as BackupPlan;
  const catalogued = new Set(await stores.restorePoints.vmIdsCataloguedBy(operation.id));
  const failedVmIds = plan.vms.map((vm) => vm.vmId).filter((vmId) => !catalogued.has(vmId));
  if (failedVmIds.length === 0) {
    throw new DomainError(
      'CONFLICT',
      `Every VM of "${operation.title}" has its restore point; nothing to retry`,
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
  const job = operation.jobId ? await stores.jobs.get(operation.jobId) : null;
  return startBackup(stores, ctx, narrowed, {
    retryOfId: operation.id,
    job: job ? jobContextOf(job) : undefined,
  });
}

function pick<T>(record: Record<string, T> | undefined, keys: string[]): Record<string, T> | undefined {
  if (!record) return undefined;
  return Object.fromEntries(Object.entries(record).filter(([key]) => keys.includes(key)));
}

// ------------------------------------------------------------------------------------------ preview

/** The name a destructive retry asks for, and what it is in words ("the VM name"). */
export interface RetryTypedName {
  what: string;
  name: string;
}

/** What the retry dialog shows before the name is typed: the impact as the estate gives it now. */
export type RetryPreview =
  /** A backup, a verify, a restore to a new VM: retried at one click. */
  | { kind: 'one-click' }
  | {
      kind: 'restore';
      /** The four-eyes kind: whether a second admin approves it is the policy's say. */
      approvalKind: ApprovalKind;
      mode: RestoreMode;
      /** The staged copy's name; null when it is copied back over the VM. */
      newVmName: string | null;
      vmName: string;
      /** The plan made now (restores.preview of the stored request, without its old confirmation). */
      plan: RestoreReview;
      /** Null only when the plan cannot name it (it is blocked then). */
      typedName: RetryTypedName | null;
      /** Why it cannot run now, besides the name not yet typed: the retry would be refused. */
      blockers: string[];
    }
  | {
      kind: 'delete-point';
      approvalKind: ApprovalKind;
      point: { id: string; vmName: string; createdAt: Date };
      /** What deleting it leaves behind now, as the point's own delete dialog shows it. */
      deletion: PointDeletionPreview;
      typedName: RetryTypedName;
    };

export async function previewRetry(
  stores: Stores,
  ctx: ServiceContext,
  operationId: string,
): Promise<RetryPreview> {
  const operation = await retryableOperation(stores, operationId);
  const approvalKind = approvalKindOfRetry({ kind: operation.kind, request: operation.requestJson });
  if (!approvalKind) return { kind: 'one-click' };
  return withPointGoneNamed(operation.title, () =>
    operation.kind === 'delete-point'
      ? previewPointDeleteRetry(stores, pointIdOf(operation), approvalKind)
      : previewRestoreRetry(stores, ctx, operation, approvalKind),
  );
}

async function previewRestoreRetry(
  stores: Stores,
  ctx: ServiceContext,
  operation: OperationRecord,
  approvalKind: ApprovalKind,
): Promise<RetryPreview> {
  const request: RestoreRequest = {
    ...parseInput(restoreRequestInput, operation.requestJson),
    confirmation: undefined,
  };
  const plan = await previewRestore(stores, ctx, request);
  const typeTheName = confirmationRefusal(plan.mode, plan.confirmationText, undefined);
  return {
    kind: 'restore',
    approvalKind,
    mode: request.mode,
    newVmName: request.newVmName ?? null,
    vmName: plan.vmName ?? 'the VM',
    plan,
    typedName: plan.confirmationText
      ? {
          what: plan.mode === 'volume-revert' ? 'the host and volume name' : 'the VM name',
          name: plan.confirmationText,
        }
      : null,
    blockers: plan.blockedReasons.filter((reason) => reason !== typeTheName),
  };
}

async function previewPointDeleteRetry(
  stores: Stores,
  pointId: string,
  approvalKind: ApprovalKind,
): Promise<RetryPreview> {
  const [deletion, point] = await Promise.all([
    describePointDeletion(stores, pointId),
    stores.restorePoints.get(pointId),
  ]);
  if (!point) throw pointNotFound();
  return {
    kind: 'delete-point',
    approvalKind,
    point: { id: point.id, vmName: point.vmName, createdAt: point.createdAt },
    deletion,
    typedName: { what: POINT_DELETE_TYPED_NAME, name: deletion.confirmationText },
  };
}
