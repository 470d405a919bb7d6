/**
 * Retrying the worker's own store calls while the database is busy (issue 7 §6) or its connection
 * is lost (issue 12: the PostgreSQL server restarted, a network cut, the backend terminated).
 *
 * A lease renewal or a step's completion refused with SQLITE_BUSY wrote nothing, so it is made
 * again after a growing pause instead of being given up: a failed renewal is not a lost lease (the
 * lease is still valid, or nobody else took it — the renewal that finally lands says which), and a
 * completion given up would lose what the step did (recovery would later call it interrupted).
 * A lost connection is the same for the worker: the store call was one transaction, committed whole
 * or not at all, and the calls retried here are safe to make twice (busy-error.ts). The retries
 * are bounded by `shouldRetry` (the caller's lease), the pauses by `maxDelayMs`.
 * Other errors are not retried here.
 */
import { isConnectionLost, isDatabaseBusy } from '../../db/stores/busy-error';

/** How the worker waits and schedules; tests drive both by hand instead of sleeping. */
export interface WorkerTimers {
  /** Calls `run` every `intervalMs` until the returned function is called. */
  every(intervalMs: number, run: () => void): () => void;
  /** Resolves after `ms`. */
  wait(ms: number): Promise<void>;
}

export const realTimers: WorkerTimers = {
  every(intervalMs, run) {
    const timer = setInterval(run, intervalMs);
    timer.unref();
    return () => clearInterval(timer);
  },
  wait: (ms) =>
    new Promise((resolve) => {
      setTimeout(resolve, ms).unref();
    }),
};

export interface BusyRetryOptions {
  wait: WorkerTimers['wait'];
  /** False once retrying is pointless (the step ended, the deadline passed): the error is thrown. */
  shouldRetry: () => boolean;
  /** Told before each pause (the worker logs it). */
  onBusy: (error: unknown, attempt: number, delayMs: number) => void;
  firstDelayMs?: number;
  maxDelayMs?: number;
}

export async function retryWhileBusy<T>(work: () => Promise<T>, options: BusyRetryOptions): Promise<T> {
  const { firstDelayMs = 100, maxDelayMs = 2_000 } = options;
  let delayMs = firstDelayMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (!isWorthRetrying(error) || !options.shouldRetry()) throw error;
      options.onBusy(error, attempt, delayMs);
      await options.wait(delayMs);
      delayMs = Math.min(delayMs * 2, maxDelayMs);
    }
  }
}

/** A store call that failed for a reason that may be gone on the next attempt. */
export function isWorthRetrying(error: unknown): boolean {
  return isDatabaseBusy(error) || isConnectionLost(error);
}

/** Why a store call is being retried, for the log line. */
export function retryReasonOf(error: unknown): string {
  return isConnectionLost(error) ? 'the database connection was lost' : 'the database is busy';
}
