/**
 * The restore wizard's model: its steps, the choices it keeps in the URL (VM, point, mode, new
 * name) so back and forward walk through the steps with the choices intact, and the safer mode
 * offered before a destructive one.
 */
import { z } from 'zod';
import { RESTORE_MODES, type RestoreMode, type RestorePlan } from '@/server/engine/plan-types';
import { isConfirmationValid } from '@/server/engine/restore-plan';
import { restoreRequestInput } from '@/server/schemas/operations';

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
  /** As-new: the volume the new VM lands on ('' = where the VM's disks are now). */
  targetHostVolumeId: string;
  /** As-new: power the new VM on afterwards. */
  powerOnAfterRestore: boolean;
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
    targetHostVolumeId: params.get('targetVolumeId') ?? '',
    powerOnAfterRestore: params.get('powerOn') === '1',
    reviewed: params.get('reviewed') ?? '',
    isEstateChanged: params.get('estateChanged') === '1',
  };
}

/*
 * Each step is a react-hook-form form validated by zodResolver, as the backup wizard's steps are;
 * what it asks for is checked with the server's own schemas where one exists.
 */

/** The VM step: which VM to restore. */
export const vmStepInput = z.object({ vmId: z.string().min(1, 'Choose a VM') });
export type VmStepInput = z.input<typeof vmStepInput>;

/** The point step: which of its points. */
export const pointStepInput = z.object({ pointId: z.string().min(1, 'Choose a restore point') });
export type PointStepInput = z.input<typeof pointStepInput>;

/** The mode step's fields as the form holds them ('' = not chosen / no name / default volume). */
export interface ModeStepInput {
  mode: string;
  newVmName: string;
  /** Only narrows the volumes offered; the request names the volume. */
  targetHostId: string;
  targetHostVolumeId: string;
  powerOnAfterRestore: boolean;
}

/** The mode step, checked by the server's restore request schema (an empty name means none). */
export function modeStepInput(restorePointId: string) {
  return z.preprocess((values) => {
    const { mode, newVmName, targetHostVolumeId, powerOnAfterRestore } = values as ModeStepInput;
    const isAsNew = mode === 'as-new';
    return {
      restorePointId,
      mode: mode || undefined,
      newVmName: newVmName.trim() === '' ? undefined : newVmName,
      targetHostVolumeId: isAsNew && targetHostVolumeId !== '' ? targetHostVolumeId : undefined,
      powerOnAfterRestore: isAsNew ? powerOnAfterRestore : undefined,
    };
  }, restoreRequestInput);
}

/** The confirm step's fields: the typed name and one acknowledgement per VM the revert stops. */
export interface ConfirmStepInput {
  confirmation: string;
  acknowledgedStoppedVmIds: string[];
}

/**
 * The confirm step, checked against the reviewed plan with the rule the server applies
 * (isConfirmationValid; every stopped VM acknowledged), so Run is enabled exactly when the server
 * would accept the request.
 */
export function confirmStepInput(plan: Pick<RestorePlan, 'confirmationText' | 'stoppedVms'>) {
  return z.object({
    confirmation: z.string().refine((text) => isConfirmationValid(plan, text), {
      message: `Type ${plan.confirmationText ?? ''} exactly as shown`,
    }),
    acknowledgedStoppedVmIds: z
      .array(z.string())
      .refine((ids) => plan.stoppedVms.every((vm) => ids.includes(vm.vmId)), {
        message: 'Acknowledge every VM the revert stops',
      }),
  });
}
