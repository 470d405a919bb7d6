/** Small display helpers shared by pages: labels and badge tones for engine values, sizes, durations. */
import type { BadgeTone } from '@/app/_components/ui/badge';
import type { BackupMethod, CaptureState, Consistency, Readiness, Severity } from '@/server/engine/types';

export { READINESS_LABELS } from '@/server/engine/types';

export const READINESS_TONES: Record<Readiness, BadgeTone> = {
  'online-ready': 'success',
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

export const METHOD_LABELS: Record<BackupMethod, string> = {
  'hyperv-vss': 'Hyper-V VSS',
  'wsb-volume': 'Windows Server Backup (volume)',
  'xen-snapshot': 'XenServer snapshot',
  'xen-quiesced': 'XenServer quiesced snapshot',
  'array-snapshot': 'Array snapshot',
  'guest-agent': 'Guest agent',
};

export const CONSISTENCY_LABELS: Record<Consistency, string> = {
  crash: 'Crash-consistent',
  filesystem: 'File-system consistent',
  application: 'Application-consistent',
};

/**
 * The consistency as an operator should read it. Hyper-V records a saved-state capture as
 * application-consistent, but no in-guest VSS ran: it is named for what it is.
 */
export function consistencyLabel(consistency: Consistency, captureState: CaptureState): string {
  return captureState === 'saved-state'
    ? 'Saved state (memory and disks, VM paused; no in-guest VSS)'
    : CONSISTENCY_LABELS[consistency];
}

export const CAPTURE_STATE_LABELS: Record<CaptureState, string> = {
  online: 'Online',
  'saved-state': 'Saved state (paused)',
  offline: 'Offline (VM is off)',
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
