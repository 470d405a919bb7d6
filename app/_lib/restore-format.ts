/** Labels for restore modes and point verdicts, shared by the restore wizard and the point browser. */
import type { BadgeTone } from '@/app/_components/ui/badge';
import type { RestoreMode } from '@/server/engine/plan-types';
import type { Consistency } from '@/server/engine/types';

export const RESTORE_MODE_LABELS: Record<RestoreMode, string> = {
  'as-new': 'Restore as a new VM',
  staged: 'Staged restore (volume to a scratch location, copy out one VM)',
  'in-place': 'Replace the VM in place',
  'snapshot-revert': 'Revert the VM to the snapshot',
  'volume-revert': 'Revert the whole volume',
};

export const RESTORE_MODE_HINTS: Record<RestoreMode, string> = {
  'as-new': 'Nothing existing is touched: the safe default.',
  staged: 'Only this VM comes back; the other VMs on the volume are not touched.',
  'in-place': 'Overwrites the VM with the point; the VM must be powered off.',
  'snapshot-revert': 'Discards everything the VM did since the point.',
  'volume-revert': 'Rolls back every VM on the volume to the point.',
};

/** Safe modes first: the operator meets the alternative before the destructive one. */
export const RESTORE_MODE_ORDER: RestoreMode[] = [
  'as-new',
  'staged',
  'in-place',
  'snapshot-revert',
  'volume-revert',
];

export const CONSISTENCY_TONES: Record<Consistency, BadgeTone> = {
  application: 'success',
  filesystem: 'info',
  crash: 'warning',
};

export const VERDICT_TONES: Record<string, BadgeTone> = {
  intact: 'success',
  corrupt: 'danger',
  missing: 'danger',
};

/** The console's one date-time format (format.ts), re-exported where the restore pages import it. */
export { formatDateTime } from './format';
