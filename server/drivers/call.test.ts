import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DriverError } from '../engine/driver';
import { callWithDeadline, guardDriver } from './call';
import type { HypervisorDriver } from './roles';
import { neverAnswering } from './test-doubles';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** Settles `promise` into an inspectable state without awaiting it forever. */
function track<T>(promise: Promise<T>) {
  const state: { settled: boolean; value?: T; error?: unknown } = { settled: false };
  promise.then(
    (value) => Object.assign(state, { settled: true, value }),
    (error: unknown) => Object.assign(state, { settled: true, error }),
  );
  return state;
}

describe('callWithDeadline', () => {
  it('abandons a call that never answers at its deadline with a retryable timeout', async () => {
    let seen: AbortSignal | undefined;
    const call = track(
      callWithDeadline(
        'lab hypervisor hv1 saveState',
        { signal: new AbortController().signal, timeoutMs: 5000 },
        (options) => {
          seen = options.signal;
          return new Promise<void>(() => {});
        },
      ),
    );
    await vi.advanceTimersByTimeAsync(4999);
    expect(call.settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(call.settled).toBe(true);
    expect(call.error).toBeInstanceOf(DriverError);
    expect(call.error).toMatchObject({
      faultCode: 'timeout',
      isRetryable: true,
      message: 'lab hypervisor hv1 saveState did not answer within 5 s',
    });
    expect(seen?.aborted).toBe(true); // the implementation is told to stop too
  });

  it('a cancel reaches the call in flight and releases the caller at once', async () => {
    const controller = new AbortController();
    let seen: AbortSignal | undefined;
    const call = track(
      callWithDeadline('copy', { signal: controller.signal, timeoutMs: 60_000 }, (options) => {
        seen = options.signal;
        return new Promise<void>(() => {});
      }),
    );
    await vi.advanceTimersByTimeAsync(10);
    const reason = new Error('operation cancelled');
    controller.abort(reason);
    await vi.advanceTimersByTimeAsync(0);
    expect(seen?.aborted).toBe(true);
    expect(seen?.reason).toBe(reason);
    expect(call.error).toBe(reason);
    expect(vi.getTimerCount()).toBe(0); // the deadline timer is gone with the call
  });

  it('passes answers and failures through and clears its timer', async () => {
    const options = { signal: new AbortController().signal, timeoutMs: 1000 };
    await expect(callWithDeadline('a', options, async () => 42)).resolves.toBe(42);
    const failure = new DriverError('not-found', 'no such VM', { isRetryable: false });
    await expect(callWithDeadline('b', options, async () => Promise.reject(failure))).rejects.toBe(failure);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('refuses to start a call whose signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('cancelled before'));
    const run = vi.fn(async () => 1);
    await expect(callWithDeadline('a', { signal: controller.signal, timeoutMs: 1000 }, run)).rejects.toThrow(
      'cancelled before',
    );
    expect(run).not.toHaveBeenCalled();
  });
});

describe('guardDriver', () => {
  it('puts every method of a driver under its deadline', async () => {
    const { driver, calls } = neverAnswering<HypervisorDriver>('hung');
    const guarded = guardDriver('hung hypervisor hv9', driver);
    const call = track(guarded.resume('vm1', { signal: new AbortController().signal, timeoutMs: 2000 }));
    await vi.advanceTimersByTimeAsync(2000);
    expect(call.error).toMatchObject({
      faultCode: 'timeout',
      message: 'hung hypervisor hv9 resume did not answer within 2 s',
    });
    expect(calls).toHaveLength(1);
    expect(calls[0].signal.aborted).toBe(true);
    expect(guarded.connector).toBe('hung');
  });

  it('refuses a call made without options instead of running it without a deadline', async () => {
    const { driver } = neverAnswering<HypervisorDriver>('hung');
    const guarded = guardDriver('h', driver) as unknown as { resume: (vmId: string) => Promise<void> };
    await expect(guarded.resume('vm1')).rejects.toThrow('h.resume was called without { signal, timeoutMs }');
  });
});
