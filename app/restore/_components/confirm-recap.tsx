'use client';

import { Checkbox } from '@/app/_components/wizard';
import { pluralize } from '@/app/_lib/format';
import { RESTORE_MODE_LABELS } from '@/app/_lib/restore-format';
import type { RestoreMode, RestorePlan } from '@/server/engine/plan-types';
import { formatDuration } from '@/server/engine/restore-plan';

type RecapPlan = Pick<
  RestorePlan,
  'steps' | 'findings' | 'collateral' | 'discardedPointIds' | 'stoppedVms' | 'confirmationText'
>;

/**
 * What the run will do, said once more where the operator commits: the steps in order, what the
 * VM itself loses, what the other VMs lose, the newer points discarded.
 */
export function ConfirmRecap({
  plan,
  mode,
  newVmName,
}: {
  plan: RecapPlan;
  mode: RestoreMode;
  newVmName: string;
}) {
  const targetLoss = plan.findings.find((finding) => finding.ruleId === 'RESTORE-TARGET-LOSES-CHANGES');
  return (
    <section aria-labelledby="recap-heading" className="mb-4 rounded-md border border-line bg-surface p-3">
      <h3 id="recap-heading" className="mb-2 text-base font-semibold">
        What will happen
      </h3>
      <p className="mb-2 text-sm text-fg-soft">
        {RESTORE_MODE_LABELS[mode]}
        {newVmName ? ` as "${newVmName}"` : ''}, in {pluralize(plan.steps.length, 'step')}:
      </p>
      <ol aria-label="Steps of the restore" className="mb-2 list-decimal pl-6 text-sm">
        {plan.steps.map((step) => (
          <li key={step.key}>{step.title}</li>
        ))}
      </ol>
      <ul aria-label="What the restore destroys" className="list-disc pl-6 text-sm text-danger">
        {targetLoss ? <li>{targetLoss.message}</li> : null}
        {plan.collateral.map((vm) => (
          <li key={vm.vmId}>
            {vm.vmName} is rolled back too and loses {formatDuration(vm.dataLossMs)} of changes
          </li>
        ))}
        {plan.discardedPointIds.length > 0 ? (
          <li>{pluralize(plan.discardedPointIds.length, 'newer restore point')} will be discarded</li>
        ) : null}
      </ul>
      {plan.confirmationText === null && plan.collateral.length === 0 && !targetLoss ? (
        <p className="text-sm text-fg-soft">Nothing existing is overwritten.</p>
      ) : null}
    </section>
  );
}

/** One checkbox per running VM the revert stops and leaves off: each is acknowledged by name. */
export function StoppedVmAcknowledgements({
  stoppedVms,
  acknowledged,
  onChange,
}: {
  stoppedVms: RestorePlan['stoppedVms'];
  acknowledged: string[];
  onChange: (vmIds: string[]) => void;
}) {
  if (stoppedVms.length === 0) return null;
  return (
    <fieldset className="mb-4 rounded-md border border-danger-line bg-danger-soft p-3">
      <legend className="px-1 text-sm font-semibold text-danger">
        The revert stops {pluralize(stoppedVms.length, 'running VM')} and leaves them off
      </legend>
      <ul className="flex flex-col gap-2">
        {stoppedVms.map((vm) => (
          <li key={vm.vmId}>
            <label className="flex cursor-pointer items-start gap-3 text-sm">
              <Checkbox
                checked={acknowledged.includes(vm.vmId)}
                onChange={(event) =>
                  onChange(
                    event.target.checked
                      ? [...acknowledged, vm.vmId]
                      : acknowledged.filter((id) => id !== vm.vmId),
                  )
                }
              />
              <span>
                I understand that <span className="font-semibold">{vm.vmName}</span> is stopped and stays off
                after the revert
              </span>
            </label>
          </li>
        ))}
      </ul>
    </fieldset>
  );
}

/** The run button says what it does; a destructive one names what it overwrites. */
export function runLabelOf(
  plan: Pick<RestorePlan, 'confirmationText' | 'stoppedVms'>,
  mode: RestoreMode,
  newVmName: string,
  needsApproval: boolean,
): string {
  const action = actionOf(plan, mode, newVmName);
  if (needsApproval) return `Send for approval: ${action.charAt(0).toLowerCase()}${action.slice(1)}`;
  return action;
}

function actionOf(
  plan: Pick<RestorePlan, 'confirmationText' | 'stoppedVms'>,
  mode: RestoreMode,
  newVmName: string,
): string {
  const target = plan.confirmationText ?? '';
  switch (mode) {
    case 'volume-revert':
      return plan.stoppedVms.length > 0
        ? `Revert ${target} and stop ${pluralize(plan.stoppedVms.length, 'VM')}`
        : `Revert ${target}`;
    case 'in-place':
      return `Replace ${target} in place`;
    case 'snapshot-revert':
      return `Revert ${target} to the snapshot`;
    case 'staged':
      return newVmName ? 'Run restore' : `Replace ${target} with the staged copy`;
    case 'as-new':
      return 'Run restore';
  }
}
