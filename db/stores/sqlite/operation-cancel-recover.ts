/**
 * Cancelling an operation and recovering expired leases on SQLite, inside the store's transactions
 * (split from operation-store.ts, which holds the claim and completion paths).
 */
import { and, eq, inArray, isNotNull, lt, ne, notInArray, or, sql } from 'drizzle-orm';
import {
  decideRecovery,
  isStepFinished,
  isTakenOverByRecovery,
} from '../../../server/engine/operation-rules';
import { firstLiveOverwrite, LIVE_OVERWRITE_KINDS } from '../../../server/engine/step-safety';
import { operationSteps, operations } from '../../schema';
import type { CancelResult, RecoverOptions, RecoveryReport } from '../ports/operation-store';
import { releaseAdmissionIn } from './operation-admission';
import {
  appendLog,
  failOperation,
  finishOperation,
  finishStepRow,
  readOperation,
  readSteps,
} from './operation-transitions';
import type { EventBatch, Tx } from './transaction';

export function cancelIn(
  tx: Tx,
  events: EventBatch,
  operationId: string,
  now: Date,
  cancelledBy: string,
): CancelResult {
  const operation = readOperation(tx, operationId);
  if (!operation) throw new Error(`operation ${operationId} does not exist`);
  if (operation.status === 'queued' || operation.status === 'waiting') {
    for (const step of readSteps(tx, operationId))
      finishStepRow(tx, events, step, 'cancelled', now, { error: null });
    tx.update(operations)
      .set({ status: 'cancelled', finishedAt: now, waitingReason: null, endingAs: 'cancelled', cancelledBy })
      .where(eq(operations.id, operationId))
      .run();
    // Its place in line for its locks is given up: the operations behind it are woken.
    releaseAdmissionIn(tx, operationId, false);
    events.append(tx, operationId, 'operation.finished', { status: 'cancelled', error: null }, now);
    return 'cancelled';
  }
  if (operation.status !== 'running')
    return operation.status === 'cancelling' ? 'cancelling' : 'already-final';
  if (operation.kind === 'restore' && firstLiveOverwrite(startedOverwriteSteps(tx, operationId)))
    return 'overwriting';
  tx.update(operations)
    .set({ status: 'cancelling', cancelledBy })
    .where(eq(operations.id, operationId))
    .run();
  events.append(tx, operationId, 'operation.cancelling', { requestedBy: cancelledBy }, now);
  failOperation(tx, events, operationId, 'cancelled', 'cancelled by the operator', now);
  if (readSteps(tx, operationId).every((step) => isStepFinished(step.status))) {
    finishOperation(tx, events, operationId, now);
    return 'cancelled';
  }
  return 'cancelling';
}

/** The operation's started steps of the kinds that may overwrite live data, with their params (step-safety.ts). */
function startedOverwriteSteps(tx: Tx, operationId: string) {
  return tx
    .select({ kind: operationSteps.kind, params: operationSteps.paramsJson })
    .from(operationSteps)
    .where(
      and(
        eq(operationSteps.operationId, operationId),
        isNotNull(operationSteps.startedAt),
        inArray(operationSteps.kind, [...LIVE_OVERWRITE_KINDS]),
      ),
    )
    .all();
}

export function recoverIn(tx: Tx, events: EventBatch, now: Date, options: RecoverOptions): RecoveryReport[] {
  const expired = tx
    .select()
    .from(operations)
    .where(
      and(
        inArray(operations.status, ['running', 'cancelling']),
        recoverableOwners(options),
        lt(operations.leaseExpiresAt, now),
      ),
    )
    .all()
    .filter((operation) => operation.leaseOwner !== null);
  const reports: RecoveryReport[] = [];
  for (const operation of expired) {
    const steps = readSteps(tx, operation.id);
    const running = steps.find((step) => step.status === 'running');
    if (!isTakenOverByRecovery(operation.leaseOwner, steps, operation.id, options)) continue;
    const isOwnLease = operation.leaseOwner === options.exceptOwner;
    const { decision, reason } = decideRecovery(operation.leaseOwner, steps, isOwnLease);
    if (running && decision === 'resume') {
      tx.update(operationSteps)
        .set({ status: 'pending', error: `re-run after: ${reason}` })
        .where(eq(operationSteps.id, running.id))
        .run();
      appendLog(tx, events, running, 'warn', reason, now);
    } else if (running) {
      appendLog(tx, events, running, 'error', reason, now);
      finishStepRow(tx, events, running, 'failed', now, { error: `interrupted: ${reason}` });
    }
    if (decision === 'interrupt') failOperation(tx, events, operation.id, 'interrupted', reason, now);
    tx.update(operations)
      .set({ leaseOwner: null, leaseExpiresAt: null, attempt: sql`${operations.attempt} + 1` })
      .where(eq(operations.id, operation.id))
      .run();
    events.append(
      tx,
      operation.id,
      'operation.recovered',
      { decision, reason, previousOwner: operation.leaseOwner },
      now,
    );
    if (readSteps(tx, operation.id).every((step) => isStepFinished(step.status))) {
      finishOperation(tx, events, operation.id, now);
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
