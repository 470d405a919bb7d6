/**
 * Enqueueing on PostgreSQL: a whole plan (the operation, its VMs and every step) written in the
 * caller's transaction, or a plan the engine blocked recorded as a failed operation. Apart from the
 * rest of the store because the JobStore calls it too: a scheduled run's claim and its enqueue share
 * one transaction.
 */
import {
  assertEnqueueable,
  describePlan,
  planShortfallsOf,
  vmIdsOfPlan,
} from '../../../server/engine/operation-rules';
import type { OperationPlan } from '../../../server/engine/plan-types';
import { operationPayloads, operationSteps, operations, operationVms } from '../../pg/schema';
import type { EnqueueOptions, OperationRecord, OperationRow } from '../ports/operation-store';
import { enqueueAdmissionIn } from './operation-admission';
import type { PgEventBatch, PgTx } from './transaction';

/**
 * The operation's row, and its plan and request in `operation_payloads`: written here once, never
 * changed, so the row that claims and completions rewrite stays small.
 */
async function insertOperation(
  tx: PgTx,
  plan: OperationPlan,
  request: Record<string, unknown>,
  options: EnqueueOptions,
  fields: Partial<OperationRow>,
): Promise<OperationRecord> {
  const [row] = await tx
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
    .returning();
  const [payload] = await tx
    .insert(operationPayloads)
    .values({
      operationId: options.id,
      planJson: plan as unknown as Record<string, unknown>,
      requestJson: request,
    })
    .returning({ planJson: operationPayloads.planJson, requestJson: operationPayloads.requestJson });
  return { ...(row as OperationRow), ...(payload as Pick<OperationRecord, 'planJson' | 'requestJson'>) };
}

/** Exported for the JobStore: a scheduled run's claim and its enqueue share one transaction. */
export async function enqueueIn(
  tx: PgTx,
  events: PgEventBatch,
  plan: OperationPlan,
  request: Record<string, unknown>,
  options: EnqueueOptions,
): Promise<OperationRecord> {
  assertEnqueueable(plan);
  const operation = await insertOperation(tx, plan, request, options, {});
  const vmIds = vmIdsOfPlan(plan);
  if (vmIds.length > 0) {
    await tx.insert(operationVms).values(vmIds.map((vmId) => ({ operationId: operation.id, vmId })));
  }
  if (plan.steps.length > 0) {
    await tx.insert(operationSteps).values(
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
    );
  }
  await enqueueAdmissionIn(tx, operation.id, operation.createdAt, plan);
  events.append(
    tx,
    operation.id,
    'operation.queued',
    { kind: operation.kind, title: operation.title },
    options.now,
  );
  return operation;
}

export async function recordBlockedIn(
  tx: PgTx,
  events: PgEventBatch,
  plan: OperationPlan,
  request: Record<string, unknown>,
  options: EnqueueOptions,
): Promise<OperationRecord> {
  const error = `blocked: ${plan.blockedReasons.join('; ')}`;
  const operation = await insertOperation(tx, plan, request, options, {
    status: 'failed',
    finishedAt: options.now,
    error,
    retryOfId: null,
  });
  events.append(tx, operation.id, 'operation.finished', { status: 'failed', error }, options.now);
  return operation;
}
