/**
 * What a step handler receives and returns. The worker builds a `StepContext` per claimed step;
 * `executeStep` (../step-executor.ts) adds the step's call options (its signal and the handler's
 * deadline) and dispatches to the handler of the step's kind (index.ts).
 */
import type { Stores } from '../../../db/stores/ports';
import type { OperationRecord, StepOutcome, StepRecord } from '../../../db/stores/ports/operation-store';
import type { CallOptions, TransferOptions } from '../../drivers/call';
import type { DriverRegistry } from '../../drivers/registry';
import type { CopyResult, RestoreResult } from '../../drivers/roles';
import type { OperationPlan, PlanStep, StepKind } from '../../engine/plan-types';
import type { StepParamsByKind } from '../../engine/step-params';

/**
 * The stores a step may touch: its operation's steps, the restore point catalogue, and the
 * inventory's power states and restored VMs (the inventory follows what operations did).
 */
export type StepStores = Pick<Stores, 'operations' | 'restorePoints' | 'inventory'>;

export interface StepContext {
  stores: StepStores;
  /** Resolves the hypervisor / array driver of what the step touches, and the repository. */
  drivers: DriverRegistry;
  operation: OperationRecord;
  step: StepRecord;
  planStep: PlanStep;
  /** Aborted on cancel (except for cleanups) or a lost lease; reaches every driver call in flight. */
  signal: AbortSignal;
  onProgress: (bytesDone: number, bytesTotal?: number) => void;
  log: (level: 'info' | 'warn' | 'error', message: string) => void;
  now: () => Date;
  /** Deadline of each driver call of this step; default: its handler's `deadlineMs`. */
  deadlineMs?: number;
}

/** A handler's view of the step: the context, its typed params and the options of its driver calls. */
export interface StepRun<K extends StepKind> extends StepContext {
  params: StepParamsByKind[K];
  /** `{ signal, timeoutMs }` for each driver call of the step. */
  call: CallOptions;
  /** The same, with progress reporting, for calls that move data. */
  transfer: TransferOptions;
  /** A call with more time: the step's deadline plus `extraMs` (a guest script's own timeout). */
  callWithExtra(extraMs: number): CallOptions;
  /** The step's VM; throws when the plan step names none. */
  vmId(): string;
  plan(): OperationPlan;
  /**
   * Logs a line carrying a driver's or a guest's own words (an error's message): the ids they name
   * (a VM, an SR, a LUN) are named first as the operator knows them, as a step's error is
   * (../step-executor.ts). Lines the handler writes from names it holds use `log`.
   */
  logNamed(level: 'info' | 'warn' | 'error', message: string): Promise<void>;
}

export interface StepHandler<K extends StepKind> {
  /**
   * How long one driver call of the step may take before it is abandoned (`timeout`). Generous: a
   * deadline frees a worker from a host that stopped answering; it does not hurry a slow copy.
   */
  deadlineMs: number;
  run(step: StepRun<K>): Promise<StepOutcome>;
}

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;

export function copied(result: CopyResult | RestoreResult): StepOutcome {
  return { status: 'succeeded', bytes: result.bytes, result: { ...result } };
}
