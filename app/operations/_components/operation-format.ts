/** Labels and badge tones for operation and step states, and the speed/duration arithmetic of steps. */
import type { BadgeTone } from '@/app/_components/ui/badge';
import { formatBytes, formatDateTime } from '@/app/_lib/format';
import {
  describeRemaining,
  describeStepProgress,
  estimateRemainingMs,
} from '@/server/engine/operation-progress';
import type { OperationStatus, StepStatus } from '@/server/engine/statuses';

export { OPERATION_KIND_LABELS, OPERATION_STATUS_LABELS } from '@/server/engine/words';

export const OPERATION_STATUS_TONES: Record<OperationStatus, BadgeTone> = {
  queued: 'neutral',
  waiting: 'warning',
  running: 'info',
  cancelling: 'warning',
  succeeded: 'success',
  'succeeded-with-warnings': 'warning',
  failed: 'danger',
  cancelled: 'neutral',
  interrupted: 'danger',
};

export const STEP_STATUS_TONES: Record<StepStatus, BadgeTone> = {
  pending: 'neutral',
  running: 'info',
  succeeded: 'success',
  degraded: 'warning',
  failed: 'danger',
  skipped: 'neutral',
  cancelled: 'neutral',
};

/** Operations the operator can still stop. */
export function isCancellable(status: OperationStatus): boolean {
  return status === 'queued' || status === 'waiting' || status === 'running';
}

/** Operations whose failed part can be started again as a new operation. */
export function isRetryable(status: OperationStatus): boolean {
  return status === 'failed' || status === 'interrupted' || status === 'cancelled';
}

/** Milliseconds between two times; a running step is measured up to `now`. */
export function elapsedMs(startedAt: Date | null, finishedAt: Date | null, now: Date): number | null {
  if (!startedAt) return null;
  return Math.max(0, (finishedAt ?? now).getTime() - startedAt.getTime());
}

/**
 * A step's time: its attempt's, up to `now` while it runs. A step waiting to retry (pending after a
 * failed attempt, its start still the attempt's) has none: it is not running, and a time growing
 * while it waits would read as work, and its speed as a copy slowing down.
 */
export function stepElapsedMs(
  step: { status: string; startedAt: Date | null; finishedAt: Date | null },
  now: Date,
): number | null {
  if (step.status === 'pending') return null;
  return elapsedMs(step.startedAt, step.finishedAt, now);
}

export function formatElapsed(ms: number | null): string {
  if (ms === null) return '—';
  if (ms < 1000) return `${ms} ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** Bytes per second over the step's elapsed time; null when nothing moved or no time passed. */
export function bytesPerSecond(bytes: number, ms: number | null): number | null {
  if (!ms || bytes <= 0) return null;
  return (bytes / ms) * 1000;
}

/** The console's one date-time format (format.ts's formatDateTime), under the name these pages use. */
export function formatTime(date: Date | null | undefined): string {
  return formatDateTime(date);
}

/**
 * Steps done (only those that did their work), failed and not run, and while it runs the time left
 * at the pace so far: "3 of 17 steps done · about 4 min left".
 */
export function describeOperationProgress(
  operation: {
    status: OperationStatus;
    startedAt: Date | null;
    stepsTotal: number;
    stepsDone: number;
    stepsFailed: number;
    stepsNotRun: number;
  },
  now: Date = new Date(),
): string {
  const steps = {
    total: operation.stepsTotal,
    done: operation.stepsDone,
    failed: operation.stepsFailed,
    notRun: operation.stepsNotRun,
  };
  const remaining = estimateRemainingMs({
    status: operation.status,
    startedAt: operation.startedAt,
    now,
    steps,
  });
  const progress = describeStepProgress(steps);
  return remaining === null ? progress : `${progress} · ${describeRemaining(remaining)}`;
}

/**
 * A step's size, never claiming more than the host said: "1.0 GiB of 4.0 GiB" while it copies a
 * declared size; "1.0 GiB so far (size not reported)" when the host declared none (Hyper-V without
 * `FileSize`: the lab repository is told 0); "5.0 GiB, past the 4.0 GiB declared" when the host
 * declared less than it sent; once the step is over, what it moved.
 */
export function describeStepSize(step: {
  status: string;
  bytesDone: number;
  bytesTotal: number | null;
}): string {
  const { status, bytesDone, bytesTotal } = step;
  const declared = bytesTotal !== null && bytesTotal > 0 ? bytesTotal : null;
  if (status !== 'running') return bytesDone > 0 ? formatBytes(bytesDone) : '—';
  if (declared === null) return bytesDone > 0 ? `${formatBytes(bytesDone)} so far (size not reported)` : '—';
  if (bytesDone > declared) return `${formatBytes(bytesDone)}, past the ${formatBytes(declared)} declared`;
  return `${formatBytes(bytesDone)} of ${formatBytes(declared)}`;
}

/**
 * The restore's other VMs rolled back with the volume, as far as it went: rolled back once the
 * volume's revert is done; while it has not run yet, the VMs it will roll back; when it failed or
 * did not run, none (a failed revert may have left the volume part-way: the error says so). A plan
 * without collateral rolls back no other VM.
 */
export function describeCollateral(
  collateral: readonly { vmName: string; dataLossMs: number }[],
  revertStatus: StepStatus | null,
): { term: string; value: string } {
  const names = collateral.map((vm) => `${vm.vmName} (loses ${formatElapsed(vm.dataLossMs)})`).join(', ');
  if (collateral.length === 0) return { term: 'Other VMs rolled back', value: 'none' };
  if (revertStatus === 'succeeded' || revertStatus === 'degraded')
    return { term: 'Other VMs rolled back', value: names };
  if (revertStatus === null || revertStatus === 'pending' || revertStatus === 'running')
    return {
      term: 'Other VMs it rolls back',
      value: `${names}: not yet, the volume's revert has not finished`,
    };
  if (revertStatus === 'failed')
    return {
      term: 'Other VMs rolled back',
      value: `not as planned: the volume's revert failed (planned: ${names})`,
    };
  return {
    term: 'Other VMs rolled back',
    value: `none: the volume's revert did not run (planned: ${names})`,
  };
}
