/**
 * The bench's arithmetic, kept pure so it is unit-tested: percentiles of samples, ratios to a
 * floor measured in the same run, and whether a figure meets its target.
 *
 * Only ratios (and sizes) are judged: this machine is shared and its absolute speed varies from one
 * minute to the next, but a scenario and its floor measured side by side slow down together.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Nearest-rank percentile (p in 0–100) of samples, in any order; NaN when there are none. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  if (p < 0 || p > 100) throw new RangeError(`percentile ${p} is outside 0–100`);
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1];
}

export interface Summary {
  median: number;
  p95: number;
  count: number;
}

export function summarize(samples: readonly number[]): Summary {
  return { median: percentile(samples, 50), p95: percentile(samples, 95), count: samples.length };
}

/** A target on a figure: at most (`max`) or at least (`min`) the bound. */
export type Target = { max: number } | { min: number };

export function meets(value: number, target: Target): boolean {
  if (!Number.isFinite(value)) return false;
  return 'max' in target ? value <= target.max : value >= target.min;
}

export function describeTarget(target: Target, unit = ''): string {
  return 'max' in target ? `≤ ${target.max}${unit}` : `≥ ${target.min}${unit}`;
}

/** value ÷ floor; NaN when the floor is not a positive number. */
export function ratio(value: number, floor: number): number {
  return floor > 0 && Number.isFinite(floor) ? value / floor : Number.NaN;
}

/**
 * Runs `fn` `runs` times after `warmup` unmeasured runs and returns each run's milliseconds.
 * Scenario and floor are measured interleaved (see measurePair) so both see the same machine.
 */
export async function sampleMs(fn: () => unknown, runs: number, warmup = 2): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await fn();
    samples.push(performance.now() - started);
  }
  return samples;
}

/**
 * Scenario and floor, run alternately so a burst of load elsewhere hits both alike. `settle`, when
 * given, runs before each measured call and is not timed: a full garbage collection, so that a call
 * does not pay for the garbage the one before it left (see engine.ts).
 */
export async function measurePair(
  scenario: () => unknown,
  floor: () => unknown,
  runs: number,
  warmup = 2,
  settle?: () => void,
): Promise<{ scenario: number[]; floor: number[] }> {
  for (let i = 0; i < warmup; i++) {
    await scenario();
    await floor();
  }
  const result = { scenario: [] as number[], floor: [] as number[] };
  for (let i = 0; i < runs; i++) {
    settle?.();
    let started = performance.now();
    await scenario();
    result.scenario.push(performance.now() - started);
    settle?.();
    started = performance.now();
    await floor();
    result.floor.push(performance.now() - started);
  }
  return result;
}

/**
 * A full garbage collection on demand. The bench runs without `--expose-gc` (tsx starts it); the
 * flag set at run time takes effect for contexts made after it, so the collector is read from a
 * new one.
 */
export function fullGarbageCollection(): () => void {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (typeof exposed === 'function') return exposed;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}
