/**
 * Axis ticks a reader can add up in their head: 0 and then steps of 1, 2 or 5 × 10ⁿ, about
 * `target` of them, the last at or above `max`. `minStep` keeps counts whole (no "2.5 runs").
 */
export function niceTicks(
  max: number,
  { target = 4, minStep = 1 }: { target?: number; minStep?: number } = {},
): number[] {
  const top = Number.isFinite(max) && max > 0 ? max : 0;
  const step = Math.max(niceStep(top / Math.max(1, target)), minStep);
  if (step <= 0) return [0, 1];
  const count = Math.max(1, Math.ceil(top / step - 1e-9));
  // Multiplying (not adding step by step) and rounding keeps 0.1 × 3 from printing 0.30000000000000004.
  return Array.from({ length: count + 1 }, (_, index) => Number((index * step).toPrecision(12)));
}

/** The smallest 1, 2, 5 or 10 × 10ⁿ at or above `rough`. */
function niceStep(rough: number): number {
  if (rough <= 0) return 0;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const residual = rough / magnitude;
  const factor = residual <= 1 ? 1 : residual <= 2 ? 2 : residual <= 5 ? 5 : 10;
  return Number((factor * magnitude).toPrecision(12));
}
