'use client';

import { DataTable, type DataTableColumn } from '@/app/_components/data-table';
import { EmptyState } from '@/app/_components/query-state';
import { Badge } from '@/app/_components/ui/badge';
import { formatBytes, formatTimeOfDay } from '@/app/_lib/format';
import type { RouterOutputs } from '@/app/_lib/trpc';
import type { StepStatus } from '@/server/engine/statuses';
import {
  bytesPerSecond,
  describeStepSize,
  formatElapsed,
  formatTime,
  STEP_STATUS_TONES,
  stepElapsedMs,
} from './operation-format';

type Detail = RouterOutputs['operations']['get'];
type Step = Detail['steps'][number];
type LogLine = Detail['logs'][number];

/** One step as the table shows it: with its log lines, the title of what it undoes, its time so far. */
interface StepRow {
  step: Step;
  lines: LogLine[];
  undoesTitle: string | null;
  ms: number | null;
}

const LOG_LEVEL_CLASSES: Record<string, string> = { error: 'text-danger', warn: 'text-warning' };

function StepCell({ row: { step, lines, undoesTitle } }: { row: StepRow }) {
  return (
    <>
      <div className="flex flex-wrap items-center gap-2 font-medium">
        {step.title}
        {step.isCleanup ? <Badge tone="brand">cleanup</Badge> : null}
      </div>
      {undoesTitle ? <div className="text-xs text-fg-subtle">undoes: {undoesTitle}</div> : null}
      {step.warning ? <p className="mt-1 max-w-md text-xs text-warning">Warning: {step.warning}</p> : null}
      {step.error && step.error !== step.warning ? (
        <p className="mt-1 max-w-md text-xs text-danger">{step.error}</p>
      ) : null}
      {step.nextAttemptAt && step.status === 'pending' ? (
        <p className="text-xs text-warning">
          retry {step.attempts + 1} at {formatTime(step.nextAttemptAt)}
        </p>
      ) : null}
      {lines.length > 0 ? (
        <ul aria-label={`Log of ${step.title}`} className="mt-1 flex flex-col gap-0.5 text-xs">
          {lines.map((line) => (
            <li key={line.id} className={LOG_LEVEL_CLASSES[line.level] ?? 'text-fg-muted'}>
              <time className="tabular-nums text-fg-muted">{formatTimeOfDay(line.at)}</time> {line.message}
            </li>
          ))}
        </ul>
      ) : null}
    </>
  );
}

const stepColumns: DataTableColumn<StepRow>[] = [
  { id: 'step', header: 'Step', cell: ({ row }) => <StepCell row={row.original} /> },
  {
    id: 'status',
    header: 'Status',
    cell: ({ row: { original } }) => (
      <Badge tone={STEP_STATUS_TONES[original.step.status as StepStatus]}>{original.step.status}</Badge>
    ),
  },
  {
    id: 'started',
    header: 'Started',
    meta: { className: 'whitespace-nowrap tabular-nums' },
    cell: ({ row }) => formatTimeOfDay(row.original.step.startedAt),
  },
  {
    id: 'finished',
    header: 'Finished',
    meta: { className: 'whitespace-nowrap tabular-nums' },
    cell: ({ row }) => formatTimeOfDay(row.original.step.finishedAt),
  },
  {
    id: 'duration',
    header: 'Duration',
    meta: { className: 'tabular-nums' },
    cell: ({ row }) => formatElapsed(row.original.ms),
  },
  {
    id: 'size',
    header: 'Size',
    meta: { className: 'tabular-nums' },
    cell: ({ row: { original } }) => describeStepSize(original.step),
  },
  {
    id: 'speed',
    header: 'Speed',
    meta: { className: 'tabular-nums' },
    cell: ({ row: { original } }) => {
      const speed = bytesPerSecond(original.step.bytesDone, original.ms);
      return speed ? `${formatBytes(speed)}/s` : '—';
    },
  },
];

/** An operation's steps in plan order, each with its own log lines under its title. */
export function StepTable({ steps, logs, now }: { steps: Step[]; logs: LogLine[]; now: Date }) {
  if (steps.length === 0) return <EmptyState>This operation has no steps.</EmptyState>;
  const titleOf = new Map(steps.map((step) => [step.key, step.title]));
  const linesOf = new Map<number, LogLine[]>();
  for (const line of logs) {
    const lines = linesOf.get(line.stepId);
    if (lines) lines.push(line);
    else linesOf.set(line.stepId, [line]);
  }
  const rows: StepRow[] = steps.map((step) => ({
    step,
    lines: linesOf.get(step.id) ?? [],
    undoesTitle: step.undoes ? (titleOf.get(step.undoes) ?? step.undoes) : null,
    ms: stepElapsedMs(step, now),
  }));
  return (
    <DataTable
      columns={stepColumns}
      rows={rows}
      getRowId={(row) => String(row.step.id)}
      caption="Steps"
      rowLook={(row) => ({ label: row.step.title })}
    />
  );
}
