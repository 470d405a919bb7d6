/**
 * One claimed step, run to its recorded outcome: the driver calls through the step's handler
 * (outside any transaction), the lease renewed every `leaseMs / 3` meanwhile (the renewal also says
 * when the operation is being cancelled, which aborts the step unless it is a cleanup or a deletion
 * of restore points: isStoppedByCancel), and the outcome recorded. A renewal, log line or completion
 * refused by a busy database is retried (busy-retry.ts): a busy database never costs the worker its
 * own live step (issue 7 §6).
 */

import type { ClaimedStep, StepOutcome } from '../../db/stores/ports/operation-store';
import type { DriverRegistry } from '../drivers/registry';
import { isCleanupStep } from '../engine/step-params';
import { type RetryPolicy, runsToEndOnceStarted } from '../engine/step-safety';
import { logger } from '../logger';
import { isWorthRetrying, retryReasonOf, retryWhileBusy, type WorkerTimers } from './busy-retry';
import { HeldNotes } from './held-notes';
import { executeStep, type StepStores } from './step-executor';

/**
 * Whether a cancel aborts the step in flight: not a cleanup (thaw, resume, release), which is what
 * a cancel owes, nor a deletion of restore points, which stopped half-way destroys without saying so.
 */
function isStoppedByCancel(step: ClaimedStep['planStep']): boolean {
  return !isCleanupStep(step) && !runsToEndOnceStarted(step.kind);
}

/** What the worker lends each step it runs. */
export interface ClaimedStepContext {
  stores: StepStores;
  drivers: DriverRegistry;
  workerId: string;
  leaseMs: number;
  retry: RetryPolicy;
  clock: () => Date;
  /** How long a step's log lines and progress may be held before they are written (held-notes.ts; ms). */
  progressIntervalMs: number;
  timers: WorkerTimers;
  onError: (error: unknown) => void;
  /**
   * Whether to lease the operation's next step with the completion, where the store can
   * (completeStepAndClaimNext): false once the worker stops claiming.
   */
  shouldClaimNext?: () => boolean;
}

/**
 * Runs the step and records its outcome; resolves with the same operation's next step when the
 * completion leased it to this worker too (see ClaimedStepContext.shouldClaimNext), else null.
 */
export async function runClaimedStep(
  claimed: ClaimedStep,
  context: ClaimedStepContext,
): Promise<ClaimedStep | null> {
  const { stores, drivers, workerId, leaseMs, retry, clock, progressIntervalMs, timers, onError } = context;
  const operations = stores.operations;
  const operationId = claimed.operation.id;
  const controller = new AbortController();
  // Until when this worker last made sure it holds the lease (the claim gave it a full one).
  let leaseUntil = clock().getTime() + leaseMs;
  let isStepDone = false;
  let renewal: Promise<void> | null = null;
  const onBusy = (what: string) => (error: unknown, attempt: number, delayMs: number) =>
    logger.warn(
      { err: error, operationId, attempt, delayMs, leaseValid: clock().getTime() < leaseUntil },
      `${what} refused: ${retryReasonOf(error)}; retrying`,
    );
  const renew = () => {
    // A renewal still retrying a busy database is enough: no second one beside it.
    if (renewal) return;
    renewal = retryWhileBusy(() => operations.renewLease(workerId, operationId, clock(), leaseMs), {
      wait: timers.wait,
      shouldRetry: () => !isStepDone,
      onBusy: onBusy('lease renewal'),
    })
      .then((lease) => {
        if (!lease.isOwner) controller.abort(new Error('lease lost to another worker'));
        else {
          leaseUntil = clock().getTime() + leaseMs;
          if (lease.isCancelling && isStoppedByCancel(claimed.planStep))
            controller.abort(new Error('operation cancelled'));
        }
      })
      .catch((error: unknown) => {
        if (!isStepDone) onError(error);
      })
      .finally(() => {
        renewal = null;
      });
  };
  const stopHeartbeat = timers.every(Math.max(50, Math.floor(leaseMs / 3)), renew);
  const notes = new HeldNotes({
    log: (level, message, at) => {
      void retryWhileBusy(() => operations.appendLog(claimed.step, level, message, at), {
        wait: timers.wait,
        shouldRetry: () => clock().getTime() < leaseUntil + leaseMs,
        onBusy: onBusy('step log line'),
      }).catch(onError);
    },
    progress: (bytesDone, at, bytesTotal) => {
      // Progress refused by a busy or lost database is not retried: the next report says more.
      void operations.recordProgress(claimed.step, bytesDone, at, bytesTotal).catch((error: unknown) => {
        if (!isWorthRetrying(error)) onError(error);
      });
    },
  });
  const stopFlushing = timers.every(progressIntervalMs, () => notes.flush());
  let outcome: StepOutcome;
  try {
    outcome = await executeStep({
      stores,
      drivers,
      operation: claimed.operation,
      step: claimed.step,
      planStep: claimed.planStep,
      signal: controller.signal,
      now: clock,
      log: (level, message) => notes.log(level, message, clock()),
      onProgress: (bytesDone, bytesTotal) => notes.reportProgress(bytesDone, clock(), bytesTotal),
    });
  } catch (error) {
    outcome = { status: 'failed', error };
  } finally {
    isStepDone = true;
    stopHeartbeat();
    stopFlushing();
  }
  // What the step reported and is not written yet: in the completion's transaction.
  const held = notes.take();
  // What the step did is recorded, even if that waits for the database: given up, it would be
  // lost and the step called interrupted. A full lease past the last one held, another worker
  // has likely taken over, and the completion (which checks the lease) would be refused anyway.
  // A completion retried after a lost connection whose first attempt had landed (claim included)
  // finds its step finished and leases nothing: the next step it had leased is then recovered when
  // that lease expires, like a claim whose answer was lost.
  const completeAndClaim = operations.completeStepAndClaimNext?.bind(operations);
  const isClaimingNext = completeAndClaim !== undefined && (context.shouldClaimNext?.() ?? false);
  return retryWhileBusy(
    async () => {
      const options = { workerId, now: clock(), retry, leaseMs, notes: held };
      if (isClaimingNext) return (await completeAndClaim(claimed, outcome, options)).next;
      await operations.completeStep(claimed, outcome, options);
      return null;
    },
    {
      wait: timers.wait,
      shouldRetry: () => clock().getTime() < leaseUntil + leaseMs,
      onBusy: onBusy('step completion'),
    },
  );
}
