/**
 * How the protection statuses follow a job's writes (ProtectionStore contract): a job that names
 * VMs is created, names others, changes scope kind, is disabled, enabled or deleted, and every VM
 * then gets the RPO of the enabled jobs that cover it now — in the whole list, asked for by id
 * (the VM list's page) and in the counts. An implementation that keeps which VMs a job names
 * apart from the job (a read model) must keep it in step with every such write.
 */
import type { JobStore, NewJob } from '../ports/job-store';

/** When the contract's jobs were created: 100 h before its `now`. */
const CREATED_AT = new Date('2026-06-11T06:30:00Z');

export function requestOf(scope: Record<string, unknown>): Record<string, unknown> {
  return { scope, consistencyPolicy: 'fallback', passthroughPolicy: 'skip' };
}

export function jobOf(
  id: string,
  scope: Record<string, unknown>,
  rpoHours: number,
  isEnabled = true,
): NewJob {
  return {
    id,
    name: `job ${id}`,
    requestJson: requestOf(scope),
    cron: null,
    timeZone: 'UTC',
    missedRunPolicy: 'skip',
    retentionJson: { keepLast: 1, daily: 0, weekly: 0, monthly: 0 },
    rpoHours,
    isEnabled,
    lastScheduledAt: null,
    nextRunAt: null,
    createdAt: CREATED_AT,
    updatedAt: CREATED_AT,
    createdBy: 'system',
  };
}

export interface JobChangeCase {
  change: string;
  apply(jobs: JobStore): Promise<unknown>;
  /** The RPO of each VM afterwards: null when no enabled job covers it. */
  rpoHours: Record<string, number | null>;
}

const edited = { updatedAt: CREATED_AT, updatedBy: 'system' };

/**
 * Before any change (the contract's estate): j-vms (24 h) names vm-a and has catalogued a point of
 * vm-f; j-off (1 h, disabled) names vm-c; vm-b is covered by a 4 h job on its volume, vm-e by a
 * 48 h job on its LUN; vm-d by nothing.
 */
export const BEFORE_ANY_CHANGE: Record<string, number | null> = {
  'vm-a': 24,
  'vm-b': 4,
  'vm-c': null,
  'vm-d': null,
  'vm-e': 48,
  'vm-f': 24,
};

export const JOB_CHANGES: JobChangeCase[] = [
  {
    change: 'a new job names two VMs (one of them twice)',
    apply: (jobs) => jobs.create(jobOf('j-new', { kind: 'vms', vmIds: ['vm-c', 'vm-d', 'vm-c'] }, 6)),
    rpoHours: { ...BEFORE_ANY_CHANGE, 'vm-c': 6, 'vm-d': 6 },
  },
  {
    change: 'a job names other VMs (vm-a removed, vm-c and vm-d added)',
    apply: (jobs) =>
      jobs.update('j-vms', { ...edited, requestJson: requestOf({ kind: 'vms', vmIds: ['vm-c', 'vm-d'] }) }),
    // vm-f stays covered through the point j-vms catalogued of it.
    rpoHours: { ...BEFORE_ANY_CHANGE, 'vm-a': null, 'vm-c': 24, 'vm-d': 24 },
  },
  {
    change: "a job's scope is no longer 'vms' (its list of VMs left behind in the request)",
    apply: (jobs) =>
      jobs.update('j-vms', {
        ...edited,
        requestJson: requestOf({ kind: 'host-volume', hostVolumeId: 'hv-e', vmIds: ['vm-a', 'vm-d'] }),
      }),
    rpoHours: { ...BEFORE_ANY_CHANGE, 'vm-a': null },
  },
  {
    change: 'a job naming VMs is disabled',
    apply: (jobs) => jobs.update('j-vms', { ...edited, isEnabled: false }),
    rpoHours: { ...BEFORE_ANY_CHANGE, 'vm-a': null, 'vm-f': null },
  },
  {
    change: 'a disabled job naming a VM is enabled',
    apply: (jobs) => jobs.update('j-off', { ...edited, isEnabled: true }),
    rpoHours: { ...BEFORE_ANY_CHANGE, 'vm-c': 1 },
  },
  {
    change: 'a job naming VMs is deleted',
    apply: (jobs) => jobs.delete('j-vms'),
    rpoHours: { ...BEFORE_ANY_CHANGE, 'vm-a': null, 'vm-f': null },
  },
  {
    change: 'a job is renamed and its RPO changed, its scope kept',
    apply: (jobs) => jobs.update('j-vms', { ...edited, name: 'renamed', rpoHours: 8 }),
    rpoHours: { ...BEFORE_ANY_CHANGE, 'vm-a': 8, 'vm-f': 8 },
  },
];
