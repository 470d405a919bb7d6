/**
 * Cancelling an operation and recovering expired leases on PostgreSQL, inside the store's transactions
 * (split from operation-store.ts, which holds the claim and completion paths).
 */
import { and, asc, eq, inArray, isNotNull, lt, ne, notInArray, or, sql } from 'drizzle-orm';
import {
  decideRecovery,
  isStepFinished,
  isTakenOverByRecovery,
} from '../../../server/engine/operation-rules';
import { firstLiveOverwrite, LIVE_OVERWRITE_KINDS } from '../../../server/engine/step-safety';
import { operationSteps, operations } from '../../pg/schema';
import type { CancelResult, RecoverOptions, RecoveryReport } from '../ports/operation-store';
import { releaseAdmissionIn } from './operation-admission';
import {
  appendLog,
  failOperation,
  finishOperation,
  finishStepRow,
  lockOperation,
  readSteps,
} from './operation-transitions';
import { ADVISORY, advisoryXactLock, type PgEventBatch, type PgTx } from './transaction';

export async function cancelIn(
  tx: PgTx,
  events: PgEventBatch,
  operationId: string,
  now: Date,
  cancelledBy: string,
): Promise<CancelResult> {
  // Before the row lock: admission takes its advisory lock first and then updates queued rows.
  await advisoryXactLock(tx, ADVISORY.admission);
  const operation = await lockOperation(tx, operationId);
  if (!operation) throw new Error(`operation ${operationId} does not exist`);
  if (operation.status === 'queued' || operation.status === 'waiting') {
    for (const step of await readSteps(tx, operationId))
      await finishStepRow(tx, events, step, 'cancelled', now, { error: null });
    await tx
      .update(operations)
      .set({ status: 'cancelled', finishedAt: now, waitingReason: null, endingAs: 'cancelled', cancelledBy })
      .where(eq(operations.id, operationId));
    // Its place in line for its locks is given up: the operations behind it are woken.
    await releaseAdmissionIn(tx, operationId, false);
    events.append(tx, operationId, 'operation.finished', { status: 'cancelled', error: null }, now);
    return 'cancelled';
  }
  if (operation.status !== 'running')
    return operation.status === 'cancelling' ? 'cancelling' : 'already-final';
  if (operation.kind === 'restore' && firstLiveOverwrite(await startedOverwriteSteps(tx, operationId)))
    return 'overwriting';
  await tx
    .update(operations)
    .set({ status: 'cancelling', cancelledBy })
    .where(eq(operations.id, operationId));
  events.append(tx, operationId, 'operation.cancelling', { requestedBy: cancelledBy }, now);
  await failOperation(tx, events, operationId, 'cancelled', 'cancelled by the operator', now);
  if ((await readSteps(tx, operationId)).every((step) => isStepFinished(step.status))) {
    await finishOperation(tx, events, operationId, now);
    return 'cancelled';
  }
  return 'cancelling';
}

/** The operation's started steps of the kinds that may overwrite live data, with their params (step-safety.ts). */
function startedOverwriteSteps(tx: PgTx, operationId: string) {
  return tx
    .select({ kind: operationSteps.kind, params: operationSteps.paramsJson })
    .from(operationSteps)
    .where(
      and(
        eq(operationSteps.operationId, operationId),
        isNotNull(operationSteps.startedAt),
        inArray(operationSteps.kind, [...LIVE_OVERWRITE_KINDS]),
      ),
    );
}

export async function recoverIn(
  tx: PgTx,
  events: PgEventBatch,
  now: Date,
  options: RecoverOptions,
): Promise<RecoveryReport[]> {
  const expired = (
    await tx
      .select()
      .from(operations)
      .where(
        and(
          inArray(operations.status, ['running', 'cancelling']),
          recoverableOwners(options),
          lt(operations.leaseExpiresAt, now),
        ),
      )
      .orderBy(asc(operations.id))
      .for('no key update', { skipLocked: true })
  ).filter((operation) => operation.leaseOwner !== null);
  const reports: RecoveryReport[] = [];
  for (const operation of expired) {
    const steps = await readSteps(tx, operation.id);
    const running = steps.find((step) => step.status === 'running');
    if (!isTakenOverByRecovery(operation.leaseOwner, steps, operation.id, options)) continue;
    const isOwnLease = operation.leaseOwner === options.exceptOwner;
    const { decision, reason } = decideRecovery(operation.leaseOwner, steps, isOwnLease);
    if (running && decision === 'resume') {
      await tx
        .update(operationSteps)
        .set({ status: 'pending', error: `re-run after: ${reason}` })
        .where(eq(operationSteps.id, running.id));
      await appendLog(tx, events, running, 'warn', reason, now);
    } else if (running) {
      await appendLog(tx, events, running, 'error', reason, now);
      await finishStepRow(tx, events, running, 'failed', now, { error: `interrupted: ${reason}` });
    }
    if (decision === 'interrupt') await failOperation(tx, events, operation.id, 'interrupted', reason, now);
    await tx
      .update(operations)
      .set({ leaseOwner: null, leaseExpiresAt: null, attempt: sql`${operations.attempt} + 1` })
      .where(eq(operations.id, operation.id));
    events.append(
      tx,
      operation.id,
      'operation.recovered',
      { decision, reason, previousOwner: operation.leaseOwner },
      now,
    );
    if ((await readSteps(tx, operation.id)).every((step) => isStepFinished(step.status))) {
      await finishOperation(tx, events, operation.id, now);
    }
    reports.push({ operationId: operation.id, decision, reason });
  }
  return reports;
}

/** The leases recovery may take over, by owner: narrowed further by isTakenOverByRecovery. */
function recoverableOwners({ exceptOwner, runningHere }: RecoverOptions) {
  if (!exceptOwner) return undefined;
  if (!runningHere) return ne(operations.leaseOwner, exceptOwner);
  if (runningHere.length === 0) return undefined;
  return or(ne(operations.leaseOwner, exceptOwner), notInArray(operations.id, [...runningHere]));
}
