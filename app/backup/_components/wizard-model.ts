/**
 * The backup wizard's form model. Values mirror the server's schemas (request = BackupRequest
 * form values, job = BackupJob form values without the request) so every step validates with the
 * very schema the server applies; the only extra fields are the run mode and display labels.
 */
import { z } from 'zod';
import {
  type BackupJobInput,
  type BackupRequest,
  type BackupRequestInput,
  backupJobInput,
  backupRequestInput,
  backupScopeInput,
} from '@/server/schemas/operations';

export const BACKUP_STEPS = [
  { key: 'scope', label: 'What to back up' },
  { key: 'method', label: 'Method' },
  { key: 'policy', label: 'Consistency & scripts' },
  { key: 'schedule', label: 'Schedule & retention' },
  { key: 'review', label: 'Review' },
] as const;
export type BackupStepKey = (typeof BACKUP_STEPS)[number]['key'];

export function isBackupStep(value: string | null): value is BackupStepKey {
  return BACKUP_STEPS.some((step) => step.key === value);
}

/** The scope holds the fields of every kind; the schema's discriminated union reads only the chosen kind's. */
export interface ScopeFormValues {
  kind: 'vms' | 'host-volume' | 'array-volume';
  vmIds: string[];
  hostVolumeId: string;
  arrayVolumeId: string;
}

export type RunMode = 'now' | 'scheduled' | 'manual';

export interface BackupWizardValues {
  request: Omit<BackupRequestInput, 'scope'> & { scope: ScopeFormValues };
  /** Once, now (no job); a job on a schedule; or a job with no schedule, run only by hand ("Run now"). */
  runMode: RunMode;
  job: Omit<BackupJobInput, 'request' | 'schedule' | 'isEnabled'> & {
    schedule: { cron: string; timeZone: string };
  };
  /** Names of chosen VMs and volumes by id, so chips and the review read by name. */
  labels: Record<string, string>;
}

function browserTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

export function initialBackupValues(): BackupWizardValues {
  return {
    request: {
      scope: { kind: 'vms', vmIds: [], hostVolumeId: '', arrayVolumeId: '' },
      methodByVm: {},
      consistencyPolicy: 'fallback',
      scripts: {},
      passthroughPolicy: 'skip',
    },
    runMode: 'scheduled',
    job: {
      name: '',
      schedule: { cron: '0 2 * * *', timeZone: browserTimeZone() },
      missedRunPolicy: 'run-once',
      retention: { keepLast: 7, daily: 14, weekly: 4, monthly: 0 },
      rpoHours: 26,
    },
    labels: {},
  };
}

const jobWithoutRequest = backupJobInput.omit({ request: true, isEnabled: true });

const withSchedule = z.object({ request: backupRequestInput }).and(
  z.discriminatedUnion('runMode', [
    z.object({ runMode: z.literal('now') }),
    z.object({ runMode: z.literal('scheduled'), job: jobWithoutRequest }),
    // A job run by hand has no schedule to check, whatever the (hidden) cron fields hold.
    z.object({ runMode: z.literal('manual'), job: jobWithoutRequest.omit({ schedule: true }) }),
  ]),
);

/** Each step validates what it asks for, plus everything before it, with the server's schemas. */
export const BACKUP_STEP_SCHEMAS: Record<BackupStepKey, z.ZodType> = {
  scope: z.object({ request: z.object({ scope: backupScopeInput }) }),
  method: z.object({ request: backupRequestInput }),
  policy: z.object({ request: backupRequestInput }),
  schedule: withSchedule,
  review: withSchedule,
};

/** The first step whose schema rejects the values (where a reload or a deep link must start). */
export function firstInvalidStep(values: BackupWizardValues): BackupStepKey | null {
  for (const step of BACKUP_STEPS) {
    if (step.key === 'review') break;
    if (!BACKUP_STEP_SCHEMAS[step.key].safeParse(values).success) return step.key;
  }
  return null;
}

/** The request as the server takes it: only the chosen scope kind, no empty maps. */
export function requestOf(values: BackupWizardValues): BackupRequestInput {
  const { scope } = values.request;
  const hasEntries = (record: object | undefined) => record !== undefined && Object.keys(record).length > 0;
  return {
    scope:
      scope.kind === 'vms'
        ? { kind: 'vms', vmIds: scope.vmIds }
        : scope.kind === 'host-volume'
          ? { kind: 'host-volume', hostVolumeId: scope.hostVolumeId }
          : { kind: 'array-volume', arrayVolumeId: scope.arrayVolumeId },
    methodByVm:
      scope.kind === 'vms' && hasEntries(values.request.methodByVm) ? values.request.methodByVm : undefined,
    consistencyPolicy: values.request.consistencyPolicy,
    scripts: hasEntries(values.request.scripts) ? values.request.scripts : undefined,
    passthroughPolicy: values.request.passthroughPolicy,
    ...(values.request.keepMemoryCheckpoint ? { keepMemoryCheckpoint: true } : {}),
    ...(values.request.keepArraySnapshot ? { keepArraySnapshot: true } : {}),
  };
}

/**
 * The VMs a reviewed plan was made from: those the scope names (a VM it could not plan is among
 * them: why it could not rests on its host's facts too) and those the plan captures (a volume's
 * VMs, and VMs captured with the ones asked for). Sorted, so the same VMs ask the same question.
 */
export function vmIdsBehindPlan(
  scope: BackupRequestInput['scope'],
  plannedVms: readonly { vmId: string }[],
): string[] {
  const named = scope.kind === 'vms' ? scope.vmIds : [];
  return [...new Set([...named, ...plannedVms.map((vm) => vm.vmId)])].sort();
}

/**
 * The job as the server takes it; an edited job keeps whether it is enabled (its switch says so).
 * A job run by hand is saved with no schedule (null).
 */
export function jobOf(values: BackupWizardValues, isEnabled = true): BackupJobInput {
  const schedule = values.runMode === 'manual' ? null : values.job.schedule;
  return { ...values.job, schedule, request: requestOf(values), isEnabled };
}

/** What the edit wizard starts from: a saved job as `jobs.get` returns it. */
export interface EditedJob {
  id: string;
  name: string;
  request: BackupRequest;
  schedule: { cron: string; timeZone: string } | null;
  missedRunPolicy: BackupJobInput['missedRunPolicy'];
  retention: BackupJobInput['retention'];
  rpoHours: number;
  isEnabled: boolean;
  updatedAt: Date;
  scopeNames: Record<string, string>;
}

/**
 * The wizard's values for a saved job: every field it set, the scope's names as chip labels. A job
 * saved without a schedule stays one run by hand; the wizard's default schedule is only what the
 * schedule step offers if the operator gives it one.
 */
export function valuesOfJob(job: EditedJob): BackupWizardValues {
  const initial = initialBackupValues();
  const { scope } = job.request;
  return {
    request: {
      scope: {
        kind: scope.kind,
        vmIds: scope.kind === 'vms' ? [...scope.vmIds] : [],
        hostVolumeId: scope.kind === 'host-volume' ? scope.hostVolumeId : '',
        arrayVolumeId: scope.kind === 'array-volume' ? scope.arrayVolumeId : '',
      },
      methodByVm: { ...(job.request.methodByVm ?? {}) },
      consistencyPolicy: job.request.consistencyPolicy,
      scripts: { ...(job.request.scripts ?? {}) },
      passthroughPolicy: job.request.passthroughPolicy,
      keepMemoryCheckpoint: job.request.keepMemoryCheckpoint ?? false,
      keepArraySnapshot: job.request.keepArraySnapshot ?? false,
    },
    runMode: job.schedule ? 'scheduled' : 'manual',
    job: {
      name: job.name,
      schedule: job.schedule
        ? { cron: job.schedule.cron, timeZone: job.schedule.timeZone }
        : initial.job.schedule,
      missedRunPolicy: job.missedRunPolicy,
      retention: { ...job.retention },
      rpoHours: job.rpoHours,
    },
    labels: { ...job.scopeNames },
  };
}

export const BACKUP_WIZARD_STORAGE_KEY = 'migawka.backup-wizard.v1';

/** An edit in progress is kept per job and per saved version: a job changed since starts afresh. */
export function editStorageKeyOf(job: Pick<EditedJob, 'id' | 'updatedAt'>): string {
  return `migawka.backup-wizard.edit.${job.id}.${new Date(job.updatedAt).getTime()}`;
}
