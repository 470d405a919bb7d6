'use client';

import { DataTable, type DataTableColumn } from '@/app/_components/data-table';
import type { RouterOutputs } from '@/app/_lib/trpc';

type Day = RouterOutputs['protection']['activity']['days'][number];

interface Series {
  key: string;
  label: string;
  color: string;
  value: (day: Day) => number;
}

/**
 * Stacked bars, one per day, drawn in SVG. The picture is for the eye; the same numbers are in a
 * visually hidden table for screen readers (the SVG itself is aria-hidden).
 */
function StackedBars({ title, days, series }: { title: string; days: Day[]; series: Series[] }) {
  const max = Math.max(1, ...days.map((day) => series.reduce((sum, s) => sum + s.value(day), 0)));
  const width = 560;
  const height = 160;
  const barWidth = width / days.length - 6;
  return (
    <figure className="flex min-w-0 flex-col gap-2">
      <figcaption className="text-sm font-semibold text-slate-800">{title}</figcaption>
      <svg viewBox={`0 0 ${width} ${height + 20}`} className="w-full" aria-hidden="true">
        {days.map((day, index) => {
          let y = height;
          const x = index * (width / days.length) + 3;
          return (
            <g key={day.day}>
              {series.map((s) => {
                const value = s.value(day);
                const h = (value / max) * height;
                y -= h;
                return value > 0 ? (
                  <rect key={s.key} x={x} y={y} width={barWidth} height={h} fill={s.color} />
                ) : null;
              })}
              <text x={x + barWidth / 2} y={height + 14} textAnchor="middle" fontSize="10" fill="#475569">
                {day.day.slice(8)}
              </text>
            </g>
          );
        })}
      </svg>
      <ul className="flex flex-wrap gap-3 text-xs text-slate-700" aria-hidden="true">
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
        days={days}
        series={[
          {
            key: 'application',
            label: 'Application',
            color: '#059669',
            value: (d) => d.pointsByConsistency.application,
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
          { key: 'active', label: 'Still running', color: '#0284c7', value: (d) => d.backupsByResult.active },
        ]}
      />
    </div>
  );
}
