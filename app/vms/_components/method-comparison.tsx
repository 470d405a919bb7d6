import Link from 'next/link';
import { DataTable, type DataTableColumn } from '@/app/_components/data-table';
import { RuleTitle } from '@/app/_components/rule-title';
import { Badge } from '@/app/_components/ui/badge';
import { cn } from '@/app/_lib/cn';
import { CAPTURE_STATE_LABELS, consistencyLabel, formatDuration, METHOD_LABELS } from '@/app/_lib/format';
import type { MethodOption, MethodPlan } from '@/server/engine/planner';

/** All six backup methods side by side, the recommended one highlighted with the planner's reason. */
export function MethodComparison({ plan }: { plan: MethodPlan }) {
  return (
    <div className="flex flex-col gap-3">
      <section
        className="rounded-md border border-accent-line bg-accent-soft px-4 py-3 text-sm text-accent-strong"
        aria-label="Recommendation"
      >
        <p className="font-semibold">
          {plan.recommended
            ? `Recommended: ${METHOD_LABELS[plan.recommended]}`
            : plan.options.some((option) => option.isAvailable)
              ? // Never "no method" beside an available one: the guest agent still protects its volumes.
                'No method captures this VM as a whole; only its guest volumes can be protected'
              : 'No method can protect this VM yet'}
        </p>
        <p>{plan.recommendationReason}</p>
      </section>
      <DataTable
        columns={methodColumns}
        rows={plan.options}
        getRowId={(option) => option.method}
        caption="Backup methods compared"
        rowLook={(option) => ({
          isCurrent: option.isRecommended,
          className: cn(option.isRecommended && 'bg-accent-soft/70 hover:bg-accent-soft'),
        })}
      />
    </div>
  );
}

const methodColumns: DataTableColumn<MethodOption>[] = [
  {
    id: 'method',
    header: 'Method',
    meta: { isRowHeader: true },
    cell: ({ row: { original: option } }) => (
      <span className="flex flex-col gap-1">
        {METHOD_LABELS[option.method]}
        <span className="font-mono text-xs font-normal text-fg-muted">{option.method}</span>
        {option.isRecommended ? (
          <Badge tone="brand" className="w-fit">
            Recommended
          </Badge>
        ) : null}
      </span>
    ),
  },
  {
    id: 'available',
    header: 'Available',
    cell: ({ row: { original: option } }) =>
      option.isAvailable ? <Badge tone="success">Yes</Badge> : <Badge tone="neutral">No</Badge>,
  },
  {
    id: 'consistency',
    header: 'Consistency',
    cell: ({ row: { original: option } }) =>
      option.consistency ? consistencyLabel(option.consistency, option.captureState) : '—',
  },
  {
    id: 'captureState',
    header: 'VM during backup',
    cell: ({ row: { original: option } }) =>
      option.isAvailable ? CAPTURE_STATE_LABELS[option.captureState] : '—',
  },
  {
    id: 'downtime',
    header: 'Downtime',
    meta: { className: 'tabular-nums' },
    cell: ({ row: { original: option } }) =>
      option.isAvailable ? formatDuration(option.expectedDowntimeSeconds) : '—',
  },
  {
    id: 'excludedDisks',
    header: 'Disks left out',
    cell: ({ row: { original: option } }) =>
      option.excludedDisks.length === 0 ? 'none' : option.excludedDisks.map((disk) => disk.name).join(', '),
  },
  {
    id: 'coCaptured',
    header: 'Captured with it',
    cell: ({ row: { original: option } }) =>
      option.coCapturedVms.length === 0 ? (
        'none'
      ) : (
        <ul>
          {option.coCapturedVms.map((vm) => (
            <li key={vm.id}>
              <Link
                href={`/vms/${encodeURIComponent(vm.id)}`}
                className="text-accent underline underline-offset-2 hover:decoration-2"
              >
                {vm.name}
              </Link>
            </li>
          ))}
        </ul>
      ),
  },
  {
    id: 'notes',
    header: 'Why not / notes',
    meta: { className: 'min-w-64', cellClassName: 'text-fg-soft' },
    cell: ({ row: { original: option } }) =>
      option.unavailableReasons.length > 0 ? (
        <ul className="list-disc pl-4">
          {option.unavailableReasons.map((reason, index) => (
            <li key={index}>{reason}</li>
          ))}
        </ul>
      ) : option.findings.length > 0 ? (
        <span className="flex flex-wrap gap-1">
          {option.findings.map((finding, index) => (
            <RuleTitle key={index} ruleId={finding.ruleId} className="text-xs" />
          ))}
        </span>
      ) : (
        '—'
      ),
  },
];
