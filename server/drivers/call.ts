/**
 * Every driver call is cancellable and has a deadline. The caller passes `{ signal, timeoutMs }`;
 * `callWithDeadline` gives the implementation a signal that aborts on the caller's cancel or when
 * the deadline passes, and releases the caller at that moment whether or not the implementation
 * ever settles: a hung host can cost one step its deadline, never the worker its lease.
 *
 * The registry (registry.ts) wraps every driver it hands out with `guardDriver`, so the deadline
 * holds for every connector without each one re-implementing it.
 */
import { DriverError } from '../engine/driver';

export interface CallOptions {
  /** Aborted when the operation is cancelled or the worker loses its lease. */
  signal: AbortSignal;
  /** The most this call may take, from when it is made; past it the call is abandoned (`timeout`). */
  timeoutMs: number;
}

/** Calls that move data also report how far they are. */
export interface TransferOptions extends CallOptions {
  /** `bytesTotal` when the driver knows it up front (lets the console show a percentage). */
  onProgress?: (bytesDone: number, bytesTotal?: number) => void;
}

function describeDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 120_000) return `${Math.round(ms / 1000)} s`;
  return `${Math.round(ms / 60_000)} min`;
}

/**
 * Runs `call` with a signal that aborts on cancel or deadline. A deadline rejects with
 * `DriverError('timeout')`; a cancel rejects with the caller's abort reason. The deadline timer is
 * a plain `setTimeout` (what `AbortSignal.timeout` does, but one that injected / fake timers drive).
 */
export function callWithDeadline<T, O extends CallOptions>(
  what: string,
  options: O,
  call: (options: O) => Promise<T>,
): Promise<T> {
  if (options.signal.aborted) return Promise.reject(options.signal.reason);
  const deadline = new AbortController();
  const signal = AbortSignal.any([options.signal, deadline.signal]);
  const timer = setTimeout(() => {
    deadline.abort(
      new DriverError('timeout', `${what} did not answer within ${describeDuration(options.timeoutMs)}`),
    );
  }, options.timeoutMs);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    const settle = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    };
    let pending: Promise<T>;
    try {
      pending = call({ ...options, signal });
    } catch (error) {
      settle();
      reject(error);
      return;
    }
    pending.then(
      (value) => {
        settle();
        resolve(value);
      },
      (error: unknown) => {
        settle();
        reject(error);
      },
    );
  });
}

function isCallOptions(value: unknown): value is CallOptions {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as CallOptions).signal instanceof AbortSignal &&
    typeof (value as CallOptions).timeoutMs === 'number'
  );
}

/**
 * Wraps every method of a driver (a role implementation) so that its last argument, the call
 * options, is enforced by `callWithDeadline`. A method called without options is a programming
 * error and fails loudly instead of running without a deadline.
 */
export function guardDriver<T extends object>(label: string, driver: T): T {
  return new Proxy(driver, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || typeof property !== 'string') return value;
      return (...args: unknown[]) => {
        const options = args.at(-1);
        if (!isCallOptions(options)) {
          return Promise.reject(new Error(`${label}.${property} was called without { signal, timeoutMs }`));
        }
        return callWithDeadline(`${label} ${property}`, options, (guarded) =>
          Reflect.apply(value, target, [...args.slice(0, -1), guarded]),
        );
      };
    },
  });
}
