/**
 * The bench's one table: a row per figure with its median, p95, the floor it is compared with and
 * the ratio, and the target that ratio (or size) must meet. Pure, so it is unit-tested.
 */
import { describeTarget, meets, ratio, type Summary, type Target } from './stats';

export interface Row {
  scenario: string;
  /** What the figures count: 'ms', 'req/s', 'KB', 'MB', 'events'. */
  unit: string;
  value: Summary;
  /** The same work done the plainest way, measured in the same run; absent for sizes and counts. */
  floor?: Summary;
  /**
   * What the target bounds: the ratio of medians to the floor ('ratio'), or the median itself
   * ('value', for sizes, counts and memory, which a loaded machine does not change).
   */
  judged?: 'ratio' | 'value';
  target?: Target;
  note?: string;
}

export interface Verdict {
  row: Row;
  ratio: number;
  /** Undefined when the row has no target. */
  isMet: boolean | undefined;
}

export function judge(row: Row): Verdict {
  const rowRatio = row.floor ? ratio(row.value.median, row.floor.median) : Number.NaN;
  if (!row.target) return { row, ratio: rowRatio, isMet: undefined };
  const judgedValue = (row.judged ?? 'ratio') === 'ratio' ? rowRatio : row.value.median;
  return { row, ratio: rowRatio, isMet: meets(judgedValue, row.target) };
}

function figure(value: number): string {
  if (!Number.isFinite(value)) return '—';
  if (Math.abs(value) >= 100) return value.toFixed(0);
  if (Math.abs(value) >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

const COLUMNS = ['scenario', 'unit', 'median', 'p95', 'floor', 'ratio', 'target', 'verdict'] as const;

/** The verdicts as a Markdown table (readable in a terminal and pasteable into docs/BENCHMARKS.md). */
export function formatTable(verdicts: readonly Verdict[]): string {
  const cells = verdicts.map(({ row, ratio: rowRatio, isMet }) => [
    row.note ? `${row.scenario} (${row.note})` : row.scenario,
    row.unit,
    figure(row.value.median),
    figure(row.value.p95),
    row.floor ? figure(row.floor.median) : '',
    row.floor ? `${figure(rowRatio)}×` : '',
    row.target
      ? `${(row.judged ?? 'ratio') === 'ratio' ? 'ratio ' : ''}${describeTarget(row.target, (row.judged ?? 'ratio') === 'ratio' ? '×' : ` ${row.unit}`)}`
      : '',
    isMet === undefined ? '' : isMet ? 'met' : 'MISSED',
  ]);
  const widths = COLUMNS.map((name, i) => Math.max(name.length, ...cells.map((line) => line[i].length)));
  const line = (values: readonly string[]) =>
    `| ${values.map((value, i) => (i === 0 ? value.padEnd(widths[i]) : value.padStart(widths[i]))).join(' | ')} |`;
  return [
    line(COLUMNS),
    `|${widths.map((width, i) => (i === 0 ? `:${'-'.repeat(width + 1)}` : `${'-'.repeat(width + 1)}:`)).join('|')}|`,
    ...cells.map(line),
  ].join('\n');
}

export function missedOf(verdicts: readonly Verdict[]): Verdict[] {
  return verdicts.filter((verdict) => verdict.isMet === false);
}
