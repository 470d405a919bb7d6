/**
 * The worker: one `tick()` is one pass — recover expired leases, run the scheduler when due,
 * claim runnable steps (up to `concurrency` at once, each of a different operation), execute
 * them through the driver outside any transaction, and record their outcomes. Tests call
 * `tick()` with an injected clock; `startWorker` runs passes on a timer (inside the Next server
 * by default, or as its own process, `migawka worker`). Several workers share one database
 * safely: every claim is leased and every write checks the lease (OperationStore). A started
 * worker's completion also leases the same operation's next step where the store can
 * (completeStepAndClaimNext, PostgreSQL): the step runs in the same slot, without another pass.
 *
 * While a step runs (claimed-step.ts), its lease is renewed every `leaseMs / 3`; the renewal also tells the
 * worker when the operation is being cancelled (from any process), which aborts the step.
 * A worker never recovers an operation whose step it is running itself: a stalled event loop makes
 * its own lease look expired, but the step is still in flight here (issue 7 §6); the late
 * renewal then succeeds because nobody else took the operation. Its own expired lease on a step
 * it does not run (a claim that committed, whose answer a lost connection swallowed) it recovers
 * like any other. Nor does a busy database cost it the step: a renewal or completion refused with
 * SQLITE_BUSY (a large import holding the write lock) or a lost connection is retried after a
 * pause, never read as a lost lease (busy-retry.ts).
 */
import { hostname } from 'node:os';
import { WORK_EVENT_TYPES } from '../../db/stores/ports/operation-events';
import type { ClaimedStep } from '../../db/stores/ports/operation-store';
import type { DriverRegistry } from '../drivers/registry';
import { type AdmissionLimits, DEFAULT_ADMISSION_LIMITS, type WorkerScope } from '../engine/admission';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from '../engine/step-safety';
import { logger } from '../logger';
import { isWorthRetrying, realTimers, retryReasonOf, type WorkerTimers } from './busy-retry';
import { runClaimedStep } from './claimed-step';
import { subscribeToOperationEvents } from './events';
import type { StepStores } from './step-executor';

export interface WorkerOptions {
  stores: StepStores;
  /** Resolves the driver of each host / array a step touches (server/drivers/registry.ts). */
  drivers: DriverRegistry;
  /** Unique per process; appears as lease owner. Default: host:pid:random. */
  workerId?: string;
  /** How often to look for work when nothing wakes the worker (ms; startWorker only). */
  pollMs?: number;
  /** A step's lease; another worker takes over an operation whose lease is this old (ms). */
  leaseMs?: number;
  /** Steps run at the same time by this worker (always of different operations). */
  concurrency?: number;
  limits?: AdmissionLimits;
  /**
   * The hosts and arrays this worker takes (null = every one): it claims only operations whose
   * every host and array it takes, and announces itself so admission can say when nobody serves one.
   */
  serves?: Pick<WorkerScope, 'hostIds' | 'arrayIds'>;
  retry?: RetryPolicy;
  clock?: () => Date;
  /** Minimum interval between two progress writes of one step (ms). */
  progressIntervalMs?: number;
  /** Called at most every `intervalMs` of the clock (e.g. the backup job scheduler). */
  scheduler?: { tick: (now: Date) => void | Promise<void>; intervalMs: number };
  onError?: (error: unknown) => void;
  /** Lease renewal timer and pauses between retries of a busy database (tests drive them). */
  timers?: WorkerTimers;
  /**
   * Subscribes to signals that another process committed work (startWorker only; returns stop).
   * Default: the operation store's watchWork (PostgreSQL's NOTIFY), where it has one.
   */
  wakeups?: (wake: () => void) => () => void;
}

export interface Worker {
  readonly workerId: string;
  /** One pass; resolves once the steps it started have run and been recorded. */
  tick(): Promise<void>;
  /** Number of steps in flight. */
  readonly activeSteps: number;
}

export interface WorkerHandle {
  readonly workerId: string;
  /** Stops claiming, waits for the steps in flight to finish and be recorded. */
  stop(): Promise<void>;
  /** Looks for work now (the service calls it after enqueueing). */
  wake(): void;
  /** Resolves when nothing is running and no step is claimable right now. */
  idle(): Promise<void>;
  /** Number of steps in flight. */
  readonly activeSteps: number;
}

export function defaultWorkerId(): string {
  return `${hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 8)}`;
}

interface PassResult {
  /** The steps this pass started, settled once recorded. */
  started: Promise<void>[];
  /** Another pass was still claiming: this one did nothing. */
  skipped: boolean;
  /** The database refused the pass (busy, or its connection lost): the next one waits longer. */
  refused: boolean;
}

interface WorkerCore extends Worker {
  /** Recover, schedule and claim; does not wait for the claimed steps. */
  pass(): Promise<PassResult>;
  /** Withdraws the worker's announcement (it stopped). */
  retire(): Promise<void>;
  inFlight: Set<Promise<void>>;
  /** The operations whose step runs here, and that run (recovery leaves them alone). */
  runningHere: Map<string, Promise<void>>;
  /** The pass under way, if any: a stop waits for it (on PostgreSQL its claim may still land). */
  passInProgress: Promise<unknown> | null;
  isStopped: boolean;
  onStepSettled?: () => void;
  /** The store's cross-process work signal, if it has one (a lost connection is logged and retried). */
  watchWork?: (wake: () => void) => () => void;
}

/** The store's cross-process work signal for this worker, if the store has one. */
function workSignalOf(operations: WorkerOptions['stores']['operations'], workerId: string) {
  const watchWork = operations.watchWork?.bind(operations);
  if (!watchWork) return undefined;
  return (wake: () => void) =>
    watchWork(wake, {
      onConnectionError: (error, nextAttemptInMs) =>
        logger.warn({ err: error, workerId, nextAttemptInMs }, 'worker wake-ups: connection lost'),
    });
}

/** A claimed step, then each next step of its operation the completion leased here as well. */
async function runChain(
  claimed: ClaimedStep,
  run: (step: ClaimedStep) => Promise<ClaimedStep | null>,
): Promise<void> {
  for (let step: ClaimedStep | null = claimed; step; ) step = await run(step);
}

/**
 * `isChaining`: a step's completion also leases the operation's next step here, where the store can
 * (startWorker); createWorker's tick() runs one step of an operation per pass, as tests expect.
 */
function createWorkerCore(options: WorkerOptions, isChaining = false): WorkerCore {
  const {
    stores,
    drivers,
    leaseMs = 15_000,
    concurrency = 2,
    limits = DEFAULT_ADMISSION_LIMITS,
    retry = DEFAULT_RETRY_POLICY,
    clock = () => new Date(),
    progressIntervalMs = 250,
    onError = (error) => logger.error({ err: error }, 'worker tick failed'),
    timers = realTimers,
  } = options;
  const workerId = options.workerId ?? defaultWorkerId();
  const operations = stores.operations;
  const serves = options.serves ?? { hostIds: null, arrayIds: null };
  let lastAnnouncedAt = Number.NEGATIVE_INFINITY;
  let lastRecoveryAt = Number.NEGATIVE_INFINITY;
  let lastScheduleAt = Number.NEGATIVE_INFINITY;
  let isPassing = false;

  const runClaimed = (claimed: ClaimedStep) =>
    runClaimedStep(claimed, {
      stores,
      drivers,
      workerId,
      leaseMs,
      retry,
      clock,
      progressIntervalMs,
      timers,
      onError,
      shouldClaimNext: () => isChaining && !core.isStopped,
    });

  const core: WorkerCore = {
    workerId,
    inFlight: new Set(),
    runningHere: new Map(),
    passInProgress: null,
    isStopped: false,
    get activeSteps() {
      return core.inFlight.size;
    },
    pass() {
      if (core.isStopped || isPassing) return Promise.resolve({ started: [], skipped: true, refused: false });
      isPassing = true;
      const passing = passOnce().finally(() => {
        isPassing = false;
        core.passInProgress = null;
      });
      core.passInProgress = passing;
      return passing;
    },
    async tick() {
      const { started } = await core.pass();
      await Promise.all(started);
    },
    retire: () => operations.retireWorker(workerId),
    watchWork: workSignalOf(operations, workerId),
  };

  /** Recover, schedule and claim, once (never two at a time: `pass` sees to it). */
  async function passOnce(): Promise<PassResult> {
    const started: Promise<void>[] = [];
    let refused = false;
    try {
      const now = clock();
      if (now.getTime() - lastAnnouncedAt >= leaseMs / 3) {
        lastAnnouncedAt = now.getTime();
        // Alive for two leases: a pass delayed by a busy event loop does not make it look gone.
        await operations.announceWorker({ workerId, ...serves }, now, new Date(now.getTime() + 2 * leaseMs));
      }
      if (now.getTime() - lastRecoveryAt >= leaseMs / 2) {
        lastRecoveryAt = now.getTime();
        // Its own expired leases too, on operations whose step it does not run (a claim whose
        // answer was lost): nobody else may be there to recover them.
        await operations.recoverExpiredLeases(now, {
          exceptOwner: workerId,
          runningHere: [...core.runningHere.keys()],
        });
      }
      if (options.scheduler && now.getTime() - lastScheduleAt >= options.scheduler.intervalMs) {
        lastScheduleAt = now.getTime();
        await options.scheduler.tick(now);
      }
      while (!core.isStopped && core.inFlight.size < concurrency) {
        const claimed = await operations.claimNext({ workerId, now: clock(), leaseMs, limits, serves });
        if (!claimed) break;
        const operationId = claimed.operation.id;
        const run: Promise<void> = runChain(claimed, runClaimed)
          .catch(onError)
          .finally(() => {
            // Unless its next step, claimed meanwhile, runs already.
            if (core.runningHere.get(operationId) === run) core.runningHere.delete(operationId);
            core.inFlight.delete(run);
            core.onStepSettled?.();
          });
        core.runningHere.set(operationId, run);
        core.inFlight.add(run);
        started.push(run);
      }
    } catch (error) {
      // A claim refused by a busy or lost database was one transaction, committed whole or not at
      // all: the next pass claims. A claim whose COMMIT landed but whose answer was lost leaves its
      // step running under this worker's lease, run by nobody: once the lease expires, recovery
      // takes it over, this worker's own included (it does not run that step: runningHere).
      if (isWorthRetrying(error)) {
        refused = true;
        logger.warn({ err: error, workerId }, `worker pass refused: ${retryReasonOf(error)}`);
      } else onError(error);
    }
    return { started, skipped: false, refused };
  }
  return core;
}

/** A worker driven by explicit `tick()` calls (tests; no timers except lease renewal). */
export function createWorker(options: WorkerOptions): Worker {
  return createWorkerCore(options);
}

/** The longest pause between passes the database keeps refusing (ms). */
export const MAX_REFUSED_PASS_DELAY_MS = 10_000;

/**
 * A worker that runs passes on its own: every `pollMs`, at once after a step, and when woken.
 * While the database refuses its passes (connection lost, busy) it waits twice as long after each,
 * up to MAX_REFUSED_PASS_DELAY_MS, so a database that is down is not hammered by every worker.
 */
export function startWorker(options: WorkerOptions): WorkerHandle {
  const core = createWorkerCore(options, true);
  const pollMs = options.pollMs ?? 500;
  let refusedPasses = 0;
  let timer: NodeJS.Timeout | null = null;
  let hasMoreWork = false;
  const idleWaiters: (() => void)[] = [];

  function settleIdle(): void {
    if (core.inFlight.size > 0 || hasMoreWork) return;
    for (const resolve of idleWaiters.splice(0)) resolve();
  }

  // A wake-up during a pass: that pass may have looked before the work was committed, so another
  // follows it at once (the wake-up's own pass was skipped, and must not fall back to the poll).
  let isWokenDuringPass = false;

  async function loop(): Promise<void> {
    const { started, skipped, refused } = await core.pass();
    if (skipped) {
      isWokenDuringPass = true;
      return; // the pass under way schedules the next one
    }
    hasMoreWork = started.length > 0;
    settleIdle();
    refusedPasses = refused ? refusedPasses + 1 : 0;
    const isWoken = isWokenDuringPass && !refused;
    isWokenDuringPass = false;
    schedule(isWoken ? 0 : refusedPassDelay(pollMs, refusedPasses));
  }

  function schedule(delayMs: number): void {
    if (core.isStopped) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => void loop(), delayMs);
  }

  core.onStepSettled = () => {
    hasMoreWork = true; // the next step of that operation is probably runnable now
    schedule(0);
  };

  // Work committed in this process (an enqueue, another worker's finished step): at once. On
  // PostgreSQL, work committed by any node too (LISTEN/NOTIFY); `pollMs` is then only a safety net.
  const unsubscribe = subscribeToOperationEvents((event) => {
    if (WORK_EVENT_TYPES.has(event.type)) schedule(0);
  });
  const unwatch = (options.wakeups ?? core.watchWork)?.(() => schedule(0)) ?? (() => {});

  schedule(0);

  return {
    workerId: core.workerId,
    get activeSteps() {
      return core.inFlight.size;
    },
    wake: () => schedule(0),
    idle: () =>
      new Promise<void>((resolve) => {
        idleWaiters.push(resolve);
        hasMoreWork = true;
        schedule(0);
      }),
    async stop() {
      core.isStopped = true;
      unsubscribe();
      unwatch();
      if (timer) clearTimeout(timer);
      // A pass waiting for the database may still claim a step: it runs, and is waited for, too.
      await core.passInProgress;
      await Promise.allSettled([...core.inFlight]);
      // It serves nothing any more: admission stops counting on it at once, not when its row expires.
      await core.retire().catch((error: unknown) => logger.warn({ err: error }, 'worker not retired'));
      for (const resolve of idleWaiters.splice(0)) resolve();
    },
  };
}

/** The pause before the next pass after `refusedPasses` refused ones in a row (ms). */
export function refusedPassDelay(pollMs: number, refusedPasses: number): number {
  if (refusedPasses === 0) return pollMs;
  return Math.min(Math.max(pollMs, 250) * 2 ** (refusedPasses - 1), MAX_REFUSED_PASS_DELAY_MS);
}
