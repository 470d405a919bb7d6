/**
 * The application scripts of an array capture as the array snapshot step runs them: the post-thaw
 * scripts inside the write fence (after the guests' thaw, before the commit), and the pre-freeze
 * scripts again for a retried attempt. A script's step in the plan (pre-freeze-script,
 * post-thaw-script) says which VMs have one; the post-thaw-script step reads `postThawInFence`
 * from the array snapshot's result and does not run the script twice.
 */
import type { PlanStep, ScriptSpec } from '../../engine/plan-types';
import type { StepRun } from './context';

type ArrayStep = StepRun<'array-snapshot'>;

/** What a post-thaw script run inside the fence answered (a script that threw is left to its step). */
export interface FencedScriptRun {
  exitCode: number;
  output: string;
}

/** The group's script steps: each VM's pre-freeze and post-thaw script, by VM id. */
export function scriptStepsOf(step: ArrayStep): {
  preFreeze: Map<string, PlanStep>;
  postThaw: Map<string, PlanStep>;
} {
  const vmIds = new Set(step.params.vmIds);
  const byVm = (kind: PlanStep['kind']) =>
    new Map(
      step
        .plan()
        .steps.filter((s) => s.kind === kind && s.vmId !== null && vmIds.has(s.vmId))
        .map((s) => [s.vmId as string, s]),
    );
  return { preFreeze: byVm('pre-freeze-script'), postThaw: byVm('post-thaw-script') };
}

const scriptOf = (planStep: PlanStep) => (planStep.params as { script: ScriptSpec }).script;

/** Runs one script of a VM inside its guest (through the VM's hypervisor connector). */
export async function runScriptOf(
  step: ArrayStep,
  vmId: string,
  planStep: PlanStep,
  signal: AbortSignal,
): Promise<FencedScriptRun> {
  const script = scriptOf(planStep);
  const timeoutMs = script.timeoutSeconds * 1000;
  const hypervisor = await step.drivers.hypervisorForVm(vmId);
  return hypervisor.runGuestScript(vmId, { command: script.command, timeoutMs }, { signal, timeoutMs });
}

/**
 * The VMs whose application the plan suspended: their pre-freeze script succeeded (a VM with a
 * post-thaw script and no pre-freeze script counts too: its post-thaw has nothing to wait for).
 */
export async function suspendedVmIds(step: ArrayStep): Promise<string[]> {
  const { preFreeze, postThaw } = scriptStepsOf(step);
  const records = await step.stores.operations.steps(step.operation.id);
  const statusByKey = new Map(records.map((record) => [record.key, record.status]));
  return [...postThaw.keys()].filter((vmId) => {
    const pre = preFreeze.get(vmId);
    return !pre || statusByKey.get(pre.key) === 'succeeded';
  });
}
