/**
 * Enqueueing on SQLite: a whole plan (the operation, its VMs and every step) written in the caller's
 * transaction, or a plan the engine blocked recorded as a failed operation. Apart from the rest of
 * the store because the JobStore calls it too: a scheduled run's claim and its enqueue share one
 * transaction.
 */
import {
  assertEnqueueable,
  describePlan,
  planShortfallsOf,
  vmIdsOfPlan,
} from '../../../server/engine/operation-rules';
import type { OperationPlan } from '../../../server/engine/plan-types';
import { operationPayloads, operationSteps, operations, operationVms } from '../../schema';
import type { EnqueueOptions, OperationRecord, OperationRow } from '../ports/operation-store';
import { enqueueAdmissionIn } from './operation-admission';
import type { EventBatch, Tx } from './transaction';

/**
 * The operation's row, and its plan and request in `operation_payloads`: written here once, never
 * changed, so the row that claims and completions rewrite stays small.
 */
function insertOperation(
  tx: Tx,
  plan: OperationPlan,
  request: Record<string, unknown>,
  options: EnqueueOptions,
  fields: Partial<OperationRow>,
): OperationRecord {
  const row = tx
    .insert(operations)
    .values({
      id: options.id,
      kind: options.kind ?? plan.kind,
      status: 'queued',
      title: options.title ?? describePlan(plan),
      jobId: options.jobId ?? null,
      retryOfId: options.retryOfId ?? null,
      createdAt: options.now,
      requestedBy: options.requestedBy,
      // What the plan leaves undone before any step runs: the outcome's first warnings.
      warningsJson: planShortfallsOf(plan),
      ...fields,
    })
    .returning()
    .get();
  const payload = tx
    .insert(operationPayloads)
    .values({
      operationId: row.id,
      planJson: plan as unknown as Record<string, unknown>,
      requestJson: request,
    })
    .returning({ planJson: operationPayloads.planJson, requestJson: operationPayloads.requestJson })
    .get();
  return { ...row, ...payload };
}

/** Exported for JobStore: a scheduled run's claim and its enqueue share one transaction. */
export function enqueueIn(
  tx: Tx,
  events: EventBatch,
  plan: OperationPlan,
  request: Record<string, unknown>,
  options: EnqueueOptions,
): OperationRecord {
  assertEnqueueable(plan);
  const operation = insertOperation(tx, plan, request, options, {});
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
  enqueueAdmissionIn(tx, operation.id, operation.createdAt, plan);
  events.append(
    tx,
    operation.id,
    'operation.queued',
    { kind: operation.kind, title: operation.title },
    options.now,
  );
  return operation;
}

export function recordBlockedIn(
  tx: Tx,
  events: EventBatch,
  plan: OperationPlan,
  request: Record<string, unknown>,
  options: EnqueueOptions,
): OperationRecord {
  const error = `blocked: ${plan.blockedReasons.join('; ')}`;
  const operation = insertOperation(tx, plan, request, options, {
    status: 'failed',
    finishedAt: options.now,
    error,
    retryOfId: null,
  });
  events.append(tx, operation.id, 'operation.finished', { status: 'failed', error }, options.now);
  return operation;
}
