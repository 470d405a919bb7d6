/**
 * The restore wizard's model: its steps, the choices it keeps in the URL (VM, point, mode, new
 * name) so back and forward walk through the steps with the choices intact, and the safer mode
 * offered before a destructive one.
 */
import { RESTORE_MODES, type RestoreMode } from '@/server/engine/plan-types';

export const RESTORE_STEPS = [
  { key: 'vm', label: 'VM' },
  { key: 'point', label: 'Restore point' },
  { key: 'mode', label: 'Mode' },
  { key: 'impact', label: 'Impact' },
  { key: 'confirm', label: 'Confirm & run' },
] as const;
export type RestoreStepKey = (typeof RESTORE_STEPS)[number]['key'];

export const DESTRUCTIVE_MODES: ReadonlySet<RestoreMode> = new Set([
  'in-place',
  'snapshot-revert',
  'volume-revert',
]);

/** The safer mode to offer first, when the chosen one destroys something and the point allows it. */
export function saferAlternativeOf(mode: RestoreMode, available: Set<RestoreMode>): RestoreMode | null {
  if (mode === 'volume-revert' && available.has('staged')) return 'staged';
  if (DESTRUCTIVE_MODES.has(mode) && available.has('as-new')) return 'as-new';
  return null;
}

export interface RestoreState {
  step: RestoreStepKey;
  vmId: string;
  pointId: string;
  mode: RestoreMode | '';
  newVmName: string;
  /** The fingerprint of the plan the impact step showed: the run brings it back to the server. */
  reviewed: string;
  /** The last run was refused because the estate changed since the review: the impact step is a new one. */
  isEstateChanged: boolean;
}

export function readState(params: URLSearchParams): RestoreState {
  const step = params.get('step');
  const mode = params.get('mode') ?? '';
  return {
    step: RESTORE_STEPS.some((s) => s.key === step) ? (step as RestoreStepKey) : 'vm',
    vmId: params.get('vmId') ?? '',
    pointId: params.get('pointId') ?? '',
    mode: (RESTORE_MODES as readonly string[]).includes(mode) ? (mode as RestoreMode) : '',
    newVmName: params.get('newVmName') ?? '',
    reviewed: params.get('reviewed') ?? '',
    isEstateChanged: params.get('estateChanged') === '1',
  };
}
