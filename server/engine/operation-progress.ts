/**
 * How far an operation got, in words, and roughly how long it still needs. "Done" counts only
 * steps that did their work (succeeded or degraded): a cancelled operation whose last 13 steps
 * never ran reads "3 of 17 steps done · 13 not run", never "17 of 17".
 */
import type { OperationStatus } from './statuses';

export interface StepCounts {
  total: number;
  /** Succeeded or degraded. */
  done: number;
  failed: number;
  /** Skipped or cancelled: they never ran. */
  notRun: number;
}

export function describeStepProgress(steps: StepCounts): string {
  const parts = [`${steps.done} of ${steps.total} step${steps.total === 1 ? '' : 's'} done`];
  if (steps.failed > 0) parts.push(`${steps.failed} failed`);
  if (steps.notRun > 0) parts.push(`${steps.notRun} not run`);
  return parts.join(' · ');
}

/** Below this many finished steps the pace says too little to promise a time. */
const MIN_STEPS_FOR_ESTIMATE = 1;

/**
 * Milliseconds still needed at the pace of the steps so far (time since start per finished step),
 * or null when the operation is not running or the pace is not known yet. A rough figure: the
 * console says "about", and copy steps are slower than the rest.
 */
export function estimateRemainingMs(input: {
  status: OperationStatus;
  startedAt: Date | null;
  now: Date;
  steps: StepCounts;
}): number | null {
  const { status, startedAt, now, steps } = input;
  if (status !== 'running' || !startedAt) return null;
  const finished = steps.done + steps.failed + steps.notRun;
  if (finished < MIN_STEPS_FOR_ESTIMATE || finished >= steps.total) return null;
  const elapsed = now.getTime() - startedAt.getTime();
  if (elapsed <= 0) return null;
  return Math.round((elapsed / finished) * (steps.total - finished));
}

/** "about 4 min left", for a remaining time in ms. */
export function describeRemaining(ms: number): string {
  const seconds = Math.max(1, Math.round(ms / 1000));
  if (seconds < 60) return `about ${seconds} s left`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 90) return `about ${minutes} min left`;
  return `about ${(minutes / 60).toFixed(1)} h left`;
}
