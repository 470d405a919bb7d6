/** Small display helpers shared by pages: labels and badge tones for engine values, sizes, durations. */
import type { BadgeTone } from '@/app/_components/ui/badge';
import type { Readiness, Severity } from '@/server/engine/types';

export { READINESS_LABELS } from '@/server/engine/types';
export {
  CAPTURE_STATE_LABELS,
  CONSISTENCY_LABELS,
  CONSISTENCY_POLICY_LABELS,
  consistencyLabel,
  diskStorageFormatLabel,
  METHOD_LABELS,
  PASSTHROUGH_POLICY_LABELS,
} from '@/server/engine/words';

export const READINESS_TONES: Record<Readiness, BadgeTone> = {
  'online-ready': 'success',
  unconfirmed: 'warning',
  'saved-state-only': 'warning',
  'crash-only': 'warning',
  partial: 'info',
  blocked: 'danger',
};

export const SEVERITY_TONES: Record<Severity, BadgeTone> = {
  blocker: 'danger',
  warning: 'warning',
  info: 'info',
};

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined) return '—';
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value >= 100 || unit === 0 ? Math.round(value) : value.toFixed(1)} ${BYTE_UNITS[unit]}`;
}

/**
 * The one date-time format of the console: the operator's locale, 24-hour clock, with the time
 * zone ("30 Nov 2026, 01:30:00 CET"); in `timeZone` when a value belongs to one (a job's schedule).
 */
export function formatDateTime(date: Date | null | undefined, timeZone?: string): string {
  if (!date) return '—';
  return new Intl.DateTimeFormat(undefined, {
    dateStyle: 'medium',
    timeStyle: 'long',
    hourCycle: 'h23',
    timeZone,
  }).format(date);
}

/** A time within a day already shown (a step's log lines), in the same clock: "01:30:00". */
export function formatTimeOfDay(date: Date | null | undefined): string {
  if (!date) return '—';
  return new Intl.DateTimeFormat(undefined, { timeStyle: 'medium', hourCycle: 'h23' }).format(date);
}

export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '—';
  if (seconds === 0) return 'none';
  if (seconds < 60) return `${Math.round(seconds)} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

export function formatPercent(part: number, whole: number): string {
  if (whole <= 0) return '—';
  return `${Math.round((part / whole) * 100)}%`;
}

export function pluralize(count: number, singular: string, plural = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : plural}`;
}
