/**
 * Runs one claimed step: builds the step's call options (its signal, and its handler's deadline
 * for every driver call), dispatches to the handler of its kind (steps/index.ts) and turns what
 * the handler threw into the outcome the worker records. Runs outside every transaction.
 *
 * Consistency policy (step-params.ts): when a quiesce step (pre-freeze script, guest freeze,
 * quiesced snapshot) fails with a quiesce fault, `fallback` turns the failure into a `degraded`
 * step whose reason the catalog step writes on the points ("fallback: freeze of sql01 timed out
 * after 60 s"); `require` fails the VMs the step serves.
 */
import type { StepOutcome } from '../../db/stores/ports/operation-store';
import { DriverError, isDriverError } from '../engine/driver';
import {
  namesInInventory,
  pointNamesOfPlan,
  snapshotNamesOfPlan,
  vmNamesOfPlan,
  withNamesForIds,
} from '../engine/plan-names';
import type { OperationPlan, PlanStep, StepKind } from '../engine/plan-types';
import { isConsistencyStep, readStepParams, type SnapshotStepParams } from '../engine/step-params';
import { isSafeToRerun } from '../engine/step-safety';
import { STEP_HANDLERS, type StepContext, type StepHandler, type StepRun } from './steps';

export type { StepContext, StepStores } from './steps';

/** Faults that mean "the guest could not be quiesced": what a fallback policy may absorb. */
const QUIESCE_FAULTS = new Set(['vss-writer-timeout', 'freeze-timeout', 'script-failed']);

export async function executeStep(context: StepContext): Promise<StepOutcome> {
  const { planStep } = context;
  const names = namesOnce(context);
  try {
    return await withNamedText(
      withPlannedShortfall(await runHandler(context, planStep.kind, names), planStep),
      names,
    );
  } catch (thrown) {
    if (context.signal.aborted && !isDriverError(thrown)) return { status: 'cancelled' };
    const error = await withNames(unsafeTimeoutIsFinal(planStep, thrown), names);
    if (isConsistencyStep(planStep) && isDriverError(error) && QUIESCE_FAULTS.has(error.faultCode)) {
      const policy = (planStep.params as { consistencyPolicy?: string }).consistencyPolicy;
      if (policy === 'fallback') return { status: 'degraded', reason: `fallback: ${error.message}` };
      return { status: 'failed', error, failedVmIds: servedVmIds(planStep) };
    }
    return { status: 'failed', error, failedVmIds: planStep.vmId ? [planStep.vmId] : undefined };
  }
}

/**
 * The error with what it names by id named as the operator knows it (plan-names.ts): the message is
 * what the step's row and the operation's log show. The plan's VMs by the names the plan has, the
 * snapshots it takes by the titles of the steps that take them, the point it reads by its VM and
 * time; the hosts, volumes, SRs, disks, arrays and LUNs around the VMs by the inventory's, read
 * only now that the step failed (their neighbourhood: the objects the plan was made from). A
 * neighbourhood that cannot be read leaves those ids as they are: the step's own error is what
 * must be recorded. Changed in place, so the error keeps its class and fault.
 */
async function withNames(error: unknown, names: NamesAround): Promise<unknown> {
  if (!(error instanceof Error) || Object.isFrozen(error)) return error;
  error.message = withNamesForIds(error.message, await names());
  return error;
}

/** The step's names (namesAround), read once for this run of the step and only when text needs them. */
type NamesAround = () => Promise<Map<string, string>>;

function namesOnce(context: StepContext): NamesAround {
  let names: Promise<Map<string, string>> | null = null;
  return () => {
    names ??= namesAround(context);
    return names;
  };
}

/** What a step's text may name by id, by the names the operator knows (withNames says which). */
async function namesAround(context: StepContext): Promise<Map<string, string>> {
  const plan = context.operation.planJson as unknown as OperationPlan;
  const planNames = vmNamesOfPlan(plan);
  const vmIds = new Set(planNames.keys());
  if (context.planStep.vmId) vmIds.add(context.planStep.vmId);
  const names = new Map([...planNames, ...snapshotNamesOfPlan(plan), ...pointNamesOfPlan(plan)]);
  try {
    const around = namesInInventory(await context.stores.inventory.loadNeighbourhood([...vmIds]));
    for (const [id, name] of names) around.set(id, name);
    return around;
  } catch {
    // The store did not answer: what the plan names keeps the plan's names, the rest their ids.
    return names;
  }
}

/**
 * A step that ends short of its plan says why in words the driver wrote (a Xen quiesce fallback,
 * a script that ran past its time, a guest that thawed inside the array's fence), and the catalog
 * step copies them onto the restore points for good: named as withNames names an error. The text
 * fields only: `reason`, `warning`, and the array snapshot's per-VM reasons (`crashVmIds` values,
 * a guest step's `thawedEarly`); ids the result keeps as ids stay ids. The names are read only
 * when there is such text.
 */
async function withNamedText(outcome: StepOutcome, names: NamesAround): Promise<StepOutcome> {
  if (outcome.status !== 'succeeded' && outcome.status !== 'degraded') return outcome;
  const result = outcome.result as { crashVmIds?: Record<string, string>; thawedEarly?: unknown } | undefined;
  const hasText =
    (outcome.status === 'degraded' ? true : outcome.warning !== undefined) ||
    (result?.crashVmIds !== undefined && Object.keys(result.crashVmIds).length > 0) ||
    typeof result?.thawedEarly === 'string';
  if (!hasText) return outcome;
  const known = await names();
  const named = (text: string) => withNamesForIds(text, known);
  const namedResult = result
    ? {
        ...outcome.result,
        ...(result.crashVmIds
          ? {
              crashVmIds: Object.fromEntries(
                Object.entries(result.crashVmIds).map(([vmId, reason]) => [vmId, named(reason)]),
              ),
            }
          : {}),
        ...(typeof result.thawedEarly === 'string' ? { thawedEarly: named(result.thawedEarly) } : {}),
      }
    : undefined;
  if (outcome.status === 'degraded') {
    return { ...outcome, reason: named(outcome.reason), ...(namedResult ? { result: namedResult } : {}) };
  }
  return {
    ...outcome,
    ...(outcome.warning !== undefined ? { warning: named(outcome.warning) } : {}),
    ...(namedResult ? { result: namedResult } : {}),
  };
}

/**
 * A step the plan knows will leave something short (a restore's data step from a partial point:
 * step-params.ts RestoreShortfall) succeeds with that as its warning, so the operation ends
 * succeeded with warnings: the restored VM lacks a disk, and plainly succeeded would say otherwise.
 */
function withPlannedShortfall(outcome: StepOutcome, step: PlanStep): StepOutcome {
  const { shortfall } = step.params as { shortfall?: unknown };
  if (outcome.status !== 'succeeded' || typeof shortfall !== 'string') return outcome;
  return { ...outcome, warning: outcome.warning ? `${outcome.warning}; ${shortfall}` : shortfall };
}

function runHandler<K extends StepKind>(
  context: StepContext,
  kind: K,
  names: NamesAround,
): Promise<StepOutcome> {
  const handler = STEP_HANDLERS[kind] as StepHandler<K>;
  const timeoutMs = context.deadlineMs ?? handler.deadlineMs;
  const { planStep, signal, onProgress } = context;
  const run: StepRun<K> = {
    ...context,
    params: readStepParams(planStep, kind),
    call: { signal, timeoutMs },
    transfer: { signal, timeoutMs, onProgress },
    callWithExtra: (extraMs) => ({ signal, timeoutMs: timeoutMs + extraMs }),
    vmId: () => {
      if (!planStep.vmId) throw new Error(`step "${planStep.key}" (${planStep.kind}) names no VM`);
      return planStep.vmId;
    },
    plan: () => context.operation.planJson as unknown as OperationPlan,
    logNamed: async (level, message) => context.log(level, withNamesForIds(message, await names())),
  };
  return handler.run(run);
}

/**
 * A call abandoned at its deadline may have done its work or not. Asking again is safe for every
 * idempotent step (the timeout stays retryable), but not for a guest script or freeze
 * (step-safety.ts): there the timeout fails the step.
 */
function unsafeTimeoutIsFinal(step: PlanStep, error: unknown): unknown {
  if (!isDriverError(error) || error.faultCode !== 'timeout' || isSafeToRerun(step.kind)) return error;
  return new DriverError('timeout', error.message, { isRetryable: false });
}

function servedVmIds(step: PlanStep): string[] | undefined {
  const vmIds = (step.params as Partial<SnapshotStepParams>).vmIds;
  if (Array.isArray(vmIds) && vmIds.length > 0) return vmIds;
  return step.vmId ? [step.vmId] : undefined;
}
