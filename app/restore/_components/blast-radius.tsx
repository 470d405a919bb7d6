import { DataTable, type DataTableColumn } from '@/app/_components/data-table';
import { RuleTitle } from '@/app/_components/rule-title';
import { Badge } from '@/app/_components/ui/badge';
import { pluralize, SEVERITY_TONES } from '@/app/_lib/format';
import type { RestorePlan } from '@/server/engine/plan-types';
import { formatDuration } from '@/server/engine/restore-plan';

type CollateralVm = RestorePlan['collateral'][number];

const collateralColumns: DataTableColumn<CollateralVm>[] = [
  {
    id: 'vm',
    header: 'VM rolled back too',
    meta: { isRowHeader: true },
    cell: ({ row }) => row.original.vmName,
  },
  { id: 'loss', header: 'Changes it would lose', cell: ({ row }) => formatDuration(row.original.dataLossMs) },
];

/**
 * What a restore destroys: the other VMs it rolls back (and how much of their work is lost), the
 * newer points it discards, and its findings. The wizard's impact step and the four-eyes approval
 * page show this same block, so the approver reviews exactly what the requester confirmed.
 */
export function RestoreBlastRadius({
  plan,
  vmName,
}: {
  plan: Pick<RestorePlan, 'collateral' | 'discardedPointIds' | 'findings'> &
    Partial<Pick<RestorePlan, 'stoppedVms'>>;
  vmName: string;
}) {
  const targetLoss = plan.findings.find((finding) => finding.ruleId === 'RESTORE-TARGET-LOSES-CHANGES');
  const stoppedVms = plan.stoppedVms ?? [];
  return (
    <>
      <section aria-labelledby="target-loss-heading" className="mb-4">
        <h3 id="target-loss-heading" className="mb-2 text-base font-semibold">
          What {vmName} itself loses
        </h3>
        <p className="text-sm text-fg-soft">
          {targetLoss
            ? targetLoss.message
            : `Nothing: ${vmName} is not overwritten (the restore creates a new VM).`}
        </p>
      </section>
      {stoppedVms.length > 0 ? (
        <p className="mb-4 text-sm font-medium text-danger">
          The revert stops {stoppedVms.map((vm) => vm.vmName).join(', ')} and leaves{' '}
          {stoppedVms.length === 1 ? 'it' : 'them'} off; you acknowledge each one on the next step.
        </p>
      ) : null}
      <section aria-labelledby="collateral-heading" className="mb-4">
        <h3 id="collateral-heading" className="mb-2 text-base font-semibold">
          Other VMs affected
        </h3>
        {plan.collateral.length === 0 ? (
          <p className="text-sm text-fg-soft">No other VM is affected.</p>
        ) : (
          <DataTable
            columns={collateralColumns}
            rows={plan.collateral}
            getRowId={(vm) => vm.vmId}
            caption={`VMs rolled back with ${vmName}`}
          />
        )}
      </section>
      <p className="mb-4 text-sm text-fg-soft">
        {plan.discardedPointIds.length === 0
          ? 'No newer restore point is discarded.'
          : `${pluralize(plan.discardedPointIds.length, 'newer restore point')} would be discarded.`}
      </p>
      {plan.findings.length > 0 ? (
        <section aria-labelledby="restore-findings-heading" className="mb-4">
          <h3 id="restore-findings-heading" className="mb-2 text-base font-semibold">
            Findings
          </h3>
          <ul className="flex flex-col gap-2">
            {plan.findings.map((finding) => (
              <li
                key={`${finding.ruleId}-${finding.message}`}
                className="rounded-md border border-line bg-surface p-3 text-sm"
              >
                <span className="flex items-center gap-2">
                  <Badge tone={SEVERITY_TONES[finding.severity]}>{finding.severity}</Badge>
                  <RuleTitle ruleId={finding.ruleId} className="text-sm" />
                </span>
                <span className="block">{finding.message}</span>
                <span className="block text-fg-muted">Remedy: {finding.remedy}</span>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </>
  );
}
