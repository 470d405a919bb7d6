/**
 * The worker loop: recover expired leases, run the scheduler tick, claim runnable steps (up to
 * `concurrency` at once, each of a different operation), execute them through the driver
 * outside any transaction, and record their outcome. Runs inside the Next server by default, or
 * as its own process (`migawka worker`); several workers share one database safely because
 * every claim is a BEGIN IMMEDIATE transaction and every write checks the lease.
 *
 * While a step runs, its lease is renewed every `leaseMs / 3`; the renewal also tells the
 * worker when the operation is being cancelled (from any process), which aborts the step.
 */
import { hostname } from 'node:os';
import type { Db } from '../../db/client';
import { type AdmissionLimits, DEFAULT_ADMISSION_LIMITS } from '../engine/admission';
import type { Driver } from '../engine/driver';
import { logger } from '../logger';
import { type OperationEvent, subscribeToOperationEvents } from './events';
import {
  type ClaimedStep,
  claimNextStep,
  completeStep,
  logStep,
  recordProgress,
  recoverExpiredLeases,
  renewLease,
  type StepOutcome,
} from './runner';
import { executeStep } from './step-executor';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './step-safety';

export interface WorkerOptions {
  db: Db;
  driver: Driver;
  /** Unique per process; appears as lease owner. Default: host:pid:random. */
  workerId?: string;
  /** How often to look for work when nothing wakes the worker (ms). */
  pollMs?: number;
  /** A step's lease; another worker takes over an operation whose lease is this old (ms). */
  leaseMs?: number;
  /** Steps run at the same time by this worker (always of different operations). */
  concurrency?: number;
  limits?: AdmissionLimits;
  retry?: RetryPolicy;
  clock?: () => Date;
  /** Minimum interval between two progress writes of one step (ms). */
  progressIntervalMs?: number;
  /** Called every `intervalMs` (e.g. the backup job scheduler). */
  scheduler?: { tick: (now: Date) => void | Promise<void>; intervalMs: number };
  onError?: (error: unknown) => void;
}

export interface WorkerHandle {
  readonly workerId: string;
  /** Stops claiming, waits for the steps in flight to finish and be recorded. */
  stop(): Promise<void>;
  /** Looks for work now (tests; the service calls it after enqueueing). */
  wake(): void;
  /** Resolves when nothing is running and no step is claimable right now. */
  idle(): Promise<void>;
  /** Number of steps in flight. */
  readonly activeSteps: number;
}

export function defaultWorkerId(): string {
  return `${hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 8)}`;
}

export function startWorker(options: WorkerOptions): WorkerHandle {
  const {
    db,
    driver,
    pollMs = 500,
    leaseMs = 15_000,
    concurrency = 2,
    limits = DEFAULT_ADMISSION_LIMITS,
    retry = DEFAULT_RETRY_POLICY,
    clock = () => new Date(),
    progressIntervalMs = 250,
    onError = (error) => logger.error({ err: error }, 'worker tick failed'),
  } = options;
  const workerId = options.workerId ?? defaultWorkerId();
  const inFlight = new Set<Promise<void>>();
  let isStopped = false;
  let timer: NodeJS.Timeout | null = null;
  let lastRecoveryAt = 0;
  let lastScheduleAt = 0;
  let isTicking = false;
  let hasMoreWork = false;
  const idleWaiters: (() => void)[] = [];

  async function runClaimed(claimed: ClaimedStep): Promise<void> {
    const controller = new AbortController();
    let lastProgressAt = 0;
    const heartbeat = setInterval(
      () => {
        try {
          const lease = renewLease(db, workerId, claimed.operation.id, clock(), leaseMs);
          if (!lease.isOwner) controller.abort(new Error('lease lost to another worker'));
          else if (lease.isCancelling) controller.abort(new Error('operation cancelled'));
        } catch (error) {
          onError(error);
        }
      },
      Math.max(50, Math.floor(leaseMs / 3)),
    );
    heartbeat.unref();
    let outcome: StepOutcome;
    try {
      outcome = await executeStep({
        db,
        driver,
        operation: claimed.operation,
        step: claimed.step,
        planStep: claimed.planStep,
        signal: controller.signal,
        now: clock,
        log: (level, message) => logStep(db, claimed.step, level, message, clock()),
        onProgress: (bytesDone, bytesTotal) => {
          const now = clock();
          if (now.getTime() - lastProgressAt < progressIntervalMs) return;
          lastProgressAt = now.getTime();
          recordProgress(db, claimed.step, bytesDone, now, bytesTotal);
        },
      });
    } catch (error) {
      outcome = { status: 'failed', error };
    } finally {
      clearInterval(heartbeat);
    }
    completeStep(db, claimed, outcome, { workerId, now: clock(), retry, leaseMs });
  }

  function settleIdle(): void {
    if (inFlight.size > 0 || hasMoreWork) return;
    for (const resolve of idleWaiters.splice(0)) resolve();
  }

  async function tick(): Promise<void> {
    if (isStopped || isTicking) return;
    isTicking = true;
    try {
      const now = clock();
      if (now.getTime() - lastRecoveryAt >= leaseMs / 2) {
        lastRecoveryAt = now.getTime();
        recoverExpiredLeases(db, now);
      }
      if (options.scheduler && now.getTime() - lastScheduleAt >= options.scheduler.intervalMs) {
        lastScheduleAt = now.getTime();
        await options.scheduler.tick(now);
      }
      hasMoreWork = false;
      while (!isStopped && inFlight.size < concurrency) {
        const claimed = claimNextStep(db, { workerId, now: clock(), leaseMs, limits });
        if (!claimed) break;
        const run = runClaimed(claimed)
          .catch(onError)
          .finally(() => {
            inFlight.delete(run);
            hasMoreWork = true; // the next step of that operation is probably runnable now
            schedule(0);
          });
        inFlight.add(run);
      }
    } catch (error) {
      onError(error);
    } finally {
      isTicking = false;
      settleIdle();
      schedule(pollMs);
    }
  }

  function schedule(delayMs: number): void {
    if (isStopped) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => void tick(), delayMs);
  }

  const unsubscribe = subscribeToOperationEvents((event: OperationEvent) => {
    // Enqueued or cancelled in this process: react at once instead of at the next poll.
    if (event.type === 'operation.queued' || event.type === 'operation.cancelling') schedule(0);
  });

  schedule(0);

  return {
    workerId,
    get activeSteps() {
      return inFlight.size;
    },
    wake: () => schedule(0),
    idle: () =>
      new Promise<void>((resolve) => {
        idleWaiters.push(resolve);
        hasMoreWork = true;
        schedule(0);
      }),
    async stop() {
      isStopped = true;
      unsubscribe();
      if (timer) clearTimeout(timer);
      await Promise.allSettled([...inFlight]);
      for (const resolve of idleWaiters.splice(0)) resolve();
    },
  };
}
