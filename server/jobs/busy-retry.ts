/**
 * Retrying the worker's own store calls while the database is busy (issue 7 §6).
 *
 * A lease renewal or a step's completion refused with SQLITE_BUSY wrote nothing, so it is made
 * again after a growing pause instead of being given up: a failed renewal is not a lost lease (the
 * lease is still valid, or nobody else took it — the renewal that finally lands says which), and a
 * completion given up would lose what the step did (recovery would later call it interrupted).
 * Other errors are not retried here.
 */
import { isDatabaseBusy } from '../../db/stores/busy-error';

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
      if (!isDatabaseBusy(error) || !options.shouldRetry()) throw error;
      options.onBusy(error, attempt, delayMs);
      await options.wait(delayMs);
      delayMs = Math.min(delayMs * 2, maxDelayMs);
    }
  }
}
