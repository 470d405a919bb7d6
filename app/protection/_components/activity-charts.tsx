'use client';

import { DataTable, type DataTableColumn } from '@/app/_components/data-table';
import { niceTicks } from '@/app/_lib/chart-scale';
import type { RouterOutputs } from '@/app/_lib/trpc';

type Day = RouterOutputs['protection']['activity']['days'][number];

interface Series {
  key: string;
  label: string;
  color: string;
  value: (day: Day) => number;
}

/** The drawing's coordinate box (the SVG scales it to the card's width). */
const BOX = { width: 560, plotTop: 20, plotHeight: 150, plotLeft: 48, plotRight: 552 } as const;
const PLOT_BOTTOM = BOX.plotTop + BOX.plotHeight;

/** "17 Nov" under the first bar and the first of a month, the day's number under the others. */
function dayLabel(day: string, index: number): string {
  const dayOfMonth = String(Number(day.slice(8, 10)));
  if (index > 0 && dayOfMonth !== '1') return dayOfMonth;
  const month = new Intl.DateTimeFormat(undefined, { month: 'short', timeZone: 'UTC' }).format(
    new Date(`${day}T00:00:00Z`),
  );
  return `${dayOfMonth} ${month}`;
}

/**
 * Stacked bars, one per day, drawn in SVG with a counted y axis (round ticks, the unit in its
 * title), the days along the x axis and each day's total above its bar; every segment names its
 * series and value on hover. The picture is for the eye; the same numbers are in a visually hidden
 * table for screen readers (the SVG itself is aria-hidden).
 */
function StackedBars({
  title,
  unit,
  days,
  series,
}: {
  title: string;
  /** What the y axis counts, capitalised: "Restore points". */
  unit: string;
  days: Day[];
  series: Series[];
}) {
  const totals = days.map((day) => series.reduce((sum, s) => sum + s.value(day), 0));
  const ticks = niceTicks(Math.max(0, ...totals));
  const top = ticks.at(-1) ?? 1;
  const yOf = (value: number) => PLOT_BOTTOM - (value / top) * BOX.plotHeight;
  const slot = (BOX.plotRight - BOX.plotLeft) / Math.max(1, days.length);
  const barWidth = Math.max(2, slot - 8);
  return (
    <figure className="flex min-w-0 flex-col gap-2">
      <figcaption className="text-sm font-semibold text-fg">{title}</figcaption>
      <svg viewBox={`0 0 ${BOX.width} ${PLOT_BOTTOM + 40}`} className="w-full" aria-hidden="true">
        <g className="fill-fg-muted" fontSize="11">
          {ticks.map((tick) => (
            <g key={tick}>
              <line
                x1={BOX.plotLeft}
                x2={BOX.plotRight}
                y1={yOf(tick)}
                y2={yOf(tick)}
                className={tick === 0 ? 'stroke-line-strong' : 'stroke-line'}
              />
              <text x={BOX.plotLeft - 6} y={yOf(tick) + 4} textAnchor="end">
                {tick}
              </text>
            </g>
          ))}
          <text
            transform={`translate(12 ${BOX.plotTop + BOX.plotHeight / 2}) rotate(-90)`}
            textAnchor="middle"
          >
            {unit}
          </text>
          <text x={(BOX.plotLeft + BOX.plotRight) / 2} y={PLOT_BOTTOM + 36} textAnchor="middle">
            Day (UTC)
          </text>
        </g>
        {days.map((day, index) => {
          const x = BOX.plotLeft + index * slot + (slot - barWidth) / 2;
          let stacked = 0;
          return (
            <g key={day.day}>
              {series.map((s) => {
                const value = s.value(day);
                if (value <= 0) return null;
                const y = yOf(stacked + value);
                const height = yOf(stacked) - y;
                stacked += value;
                return (
                  <rect key={s.key} x={x} y={y} width={barWidth} height={height} fill={s.color}>
                    <title>{`${day.day} · ${s.label}: ${value}`}</title>
                  </rect>
                );
              })}
              {totals[index] > 0 ? (
                <text
                  x={x + barWidth / 2}
                  y={yOf(totals[index]) - 4}
                  textAnchor="middle"
                  fontSize="11"
                  className="fill-fg font-medium"
                >
                  {totals[index]}
                </text>
              ) : null}
              <text
                x={x + barWidth / 2}
                y={PLOT_BOTTOM + 16}
                textAnchor="middle"
                fontSize="11"
                className="fill-fg-muted"
              >
                {dayLabel(day.day, index)}
              </text>
            </g>
          );
        })}
      </svg>
      <ul className="flex flex-wrap gap-3 text-xs text-fg-soft" aria-hidden="true">
        {series.map((s) => (
          <li key={s.key} className="flex items-center gap-1">
            <span className="inline-block size-3 rounded-sm" style={{ background: s.color }} />
            {s.label}
          </li>
        ))}
      </ul>
      {/* sr-only on a wrapper: a table ignores the 1px width and would push the page sideways. The
          table's own scroll box is turned off: hidden from sight it can never be scrolled, and a
          scroll box nobody can reach by keyboard is an accessibility fault. */}
      <div className="sr-only [&_.overflow-x-auto]:overflow-visible">
        <DataTable
          columns={[
            {
              id: 'day',
              header: 'Day (UTC)',
              meta: { isRowHeader: true },
              cell: ({ row }) => row.original.day,
            },
            ...series.map(
              (s): DataTableColumn<Day> => ({
                id: s.key,
                header: s.label,
                cell: ({ row }) => s.value(row.original),
              }),
            ),
          ]}
          rows={days}
          getRowId={(day) => day.day}
          caption={title}
        />
      </div>
    </figure>
  );
}

export function ActivityCharts({ days }: { days: Day[] }) {
  return (
    <div className="grid min-w-0 grid-cols-1 gap-6 xl:grid-cols-2">
      <StackedBars
        title="Restore points per day by consistency (last 14 days, UTC)"
        unit="Restore points"
        days={days}
        series={[
          {
            key: 'application',
            label: 'Application',
            color: '#059669',
            value: (d) => d.pointsByConsistency.application,
          },
          {
            key: 'savedState',
            label: 'Saved state (no in-guest VSS)',
            color: '#7c3aed',
            value: (d) => d.pointsByConsistency.savedState,
          },
          {
            key: 'filesystem',
            label: 'File system',
            color: '#0284c7',
            value: (d) => d.pointsByConsistency.filesystem,
          },
          { key: 'crash', label: 'Crash', color: '#d97706', value: (d) => d.pointsByConsistency.crash },
        ]}
      />
      <StackedBars
        title="Backup runs per day by result (last 14 days, UTC)"
        unit="Backup runs"
        days={days}
        series={[
          {
            key: 'succeeded',
            label: 'Succeeded',
            color: '#059669',
            value: (d) => d.backupsByResult.succeeded,
          },
          {
            key: 'warned',
            label: 'Succeeded with warnings',
            color: '#ca8a04',
            value: (d) => d.backupsByResult.warned,
          },
          { key: 'failed', label: 'Failed', color: '#dc2626', value: (d) => d.backupsByResult.failed },
          {
            key: 'interrupted',
            label: 'Interrupted',
            color: '#9333ea',
            value: (d) => d.backupsByResult.interrupted,
          },
          {
            key: 'cancelled',
            label: 'Cancelled',
            color: '#64748b',
            value: (d) => d.backupsByResult.cancelled,
          },
          {
            key: 'active',
            label: 'Not finished (queued, waiting or running)',
            color: '#0284c7',
            value: (d) => d.backupsByResult.active,
          },
        ]}
      />
    </div>
  );
}
