import Link from 'next/link';
import { Badge } from '@/app/_components/ui/badge';
import {
  Table,
  TableBody,
  TableCaption,
  TableCell,
  TableHead,
  TableHeader,
  TableRow,
} from '@/app/_components/ui/table';
import { cn } from '@/app/_lib/cn';
import { CAPTURE_STATE_LABELS, consistencyLabel, formatDuration, METHOD_LABELS } from '@/app/_lib/format';
import type { MethodPlan } from '@/server/engine/planner';

/** All six backup methods side by side, the recommended one highlighted with the planner's reason. */
export function MethodComparison({ plan }: { plan: MethodPlan }) {
  return (
    <div className="flex flex-col gap-3">
      <section
        className="rounded-md border border-brand-200 bg-brand-50 px-4 py-3 text-sm text-brand-900"
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
      <Table>
        <TableCaption>Backup methods compared</TableCaption>
        <TableHeader>
          <TableRow>
            <TableHead scope="col">Method</TableHead>
            <TableHead scope="col">Available</TableHead>
            <TableHead scope="col">Consistency</TableHead>
            <TableHead scope="col">VM during backup</TableHead>
            <TableHead scope="col">Downtime</TableHead>
            <TableHead scope="col">Disks left out</TableHead>
            <TableHead scope="col">Captured with it</TableHead>
            <TableHead scope="col" className="min-w-64">
              Why not / notes
            </TableHead>
          </TableRow>
        </TableHeader>
        <TableBody>
          {plan.options.map((option) => (
            <TableRow
              key={option.method}
              aria-current={option.isRecommended ? 'true' : undefined}
              className={cn(option.isRecommended && 'bg-brand-50/70 hover:bg-brand-50')}
            >
              <TableHead
                scope="row"
                className="text-sm font-medium normal-case tracking-normal text-slate-900"
              >
                <span className="flex flex-col gap-1">
                  {METHOD_LABELS[option.method]}
                  <span className="font-mono text-xs font-normal text-slate-500">{option.method}</span>
                  {option.isRecommended ? (
                    <Badge tone="brand" className="w-fit">
                      Recommended
                    </Badge>
                  ) : null}
                </span>
              </TableHead>
              <TableCell>
                {option.isAvailable ? <Badge tone="success">Yes</Badge> : <Badge tone="neutral">No</Badge>}
              </TableCell>
              <TableCell>
                {option.consistency ? consistencyLabel(option.consistency, option.captureState) : '—'}
              </TableCell>
              <TableCell>{option.isAvailable ? CAPTURE_STATE_LABELS[option.captureState] : '—'}</TableCell>
              <TableCell className="tabular-nums">
                {option.isAvailable ? formatDuration(option.expectedDowntimeSeconds) : '—'}
              </TableCell>
              <TableCell>
                {option.excludedDisks.length === 0
                  ? 'none'
                  : option.excludedDisks.map((disk) => disk.name).join(', ')}
              </TableCell>
              <TableCell>
                {option.coCapturedVms.length === 0 ? (
                  'none'
                ) : (
                  <ul>
                    {option.coCapturedVms.map((vm) => (
                      <li key={vm.id}>
                        <Link
                          href={`/vms/${encodeURIComponent(vm.id)}`}
                          className="text-brand-700 hover:underline"
                        >
                          {vm.name}
                        </Link>
                      </li>
                    ))}
                  </ul>
                )}
              </TableCell>
              <TableCell className="min-w-64 text-slate-700">
                {option.unavailableReasons.length > 0 ? (
                  <ul className="list-disc pl-4">
                    {option.unavailableReasons.map((reason, index) => (
                      <li key={index}>{reason}</li>
                    ))}
                  </ul>
                ) : option.findings.length > 0 ? (
                  <span className="flex flex-wrap gap-1">
                    {option.findings.map((finding, index) => (
                      <span key={index} className="font-mono text-xs">
                        {finding.ruleId}
                      </span>
                    ))}
                  </span>
                ) : (
                  '—'
                )}
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </div>
  );
}
