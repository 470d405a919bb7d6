/**
 * Requests that start operations and define backup jobs, shared by the wizards (forms) and the
 * tRPC procedures. Each schema says what is wrong in words an operator can act on; anything the
 * schema cannot know (does the VM exist, is the method available for it) is the engine's job and
 * comes back as a finding or a blocked reason of the plan.
 *
 * Names follow the one convention of server/schemas (docs/API.md): the schema is `fooInput`,
 * `FooInput` is what a form holds (z.input), `Foo` is what the server works with after parsing
 * (z.output: trimmed strings, a canonical time zone).
 */
import { z } from 'zod';
import { CONSISTENCY_POLICIES, PASSTHROUGH_POLICIES, RESTORE_MODES } from '../engine/plan-types';
import {
  canonicalTimeZone,
  describeCronError,
  describeUnreachableCron,
  MISSED_RUN_POLICIES,
} from '../engine/schedule';
import { BACKUP_METHODS } from '../engine/types';

const id = (what: string) =>
  z
    .string({ error: `Choose a ${what}` })
    .trim()
    .min(1, `Choose a ${what}`)
    .max(200, `The ${what} id is longer than 200 characters`);

/** A script run inside the guest: exit code 0 = success, killed at the timeout. */
export const scriptSpecInput = z.object({
  command: z
    .string({ error: 'Enter the command to run inside the guest' })
    .trim()
    .min(1, 'Enter the command to run inside the guest')
    .max(4096, 'The command is longer than 4096 characters'),
  timeoutSeconds: z
    .int({ error: 'The timeout is a whole number of seconds' })
    .min(1, 'The timeout must be at least 1 second')
    .max(3600, 'The timeout must be at most 3600 seconds (1 hour)'),
});
export type ScriptSpec = z.output<typeof scriptSpecInput>;

export const vmScriptsInput = z.object({
  preFreeze: scriptSpecInput.optional(),
  postThaw: scriptSpecInput.optional(),
});

export const backupScopeInput = z.discriminatedUnion(
  'kind',
  [
    z.object({
      kind: z.literal('vms'),
      vmIds: z
        .array(id('VM'))
        .min(1, 'Choose at least one VM')
        .max(10_000, 'Back up at most 10,000 VMs in one operation')
        .refine((ids) => new Set(ids).size === ids.length, 'A VM is listed twice'),
    }),
    z.object({ kind: z.literal('host-volume'), hostVolumeId: id('host volume') }),
    z.object({ kind: z.literal('array-volume'), arrayVolumeId: id('array volume') }),
  ],
  { error: 'Choose what to back up: VMs, a host volume or an array volume' },
);
export type BackupScope = z.output<typeof backupScopeInput>;

export const backupRequestInput = z
  .object({
    scope: backupScopeInput,
    /** Method per VM id; VMs left out get the planner's recommendation. */
    methodByVm: z
      .record(z.string(), z.enum(BACKUP_METHODS, { error: 'Choose a known backup method' }))
      .optional(),
    consistencyPolicy: z.enum(CONSISTENCY_POLICIES, {
      error:
        "Choose what happens when a VM cannot be quiesced: 'require' (fail the VM) or 'fallback' (crash-consistent, recorded)",
    }),
    scripts: z.record(z.string(), vmScriptsInput).optional(),
    passthroughPolicy: z.enum(PASSTHROUGH_POLICIES, {
      error:
        "Choose what happens to pass-through disks: 'skip' (back up the rest, with a warning) or 'fail' (do not back up the VM)",
    }),
    /** Keep a memory checkpoint on the pool (Xen VMs): VM.checkpoint kept as a pool restore point. */
    keepMemoryCheckpoint: z.boolean().optional(),
    /**
     * Array snapshots: copy the VMs into the repository and keep the array snapshot on the array
     * too (volume revert and staged restore need it); the job's retention deletes it.
     */
    keepArraySnapshot: z.boolean().optional(),
  })
  .superRefine((request, ctx) => {
    // With an explicit VM list the schema can tell a stray key; volume scopes are resolved by the engine.
    if (request.scope.kind !== 'vms') return;
    const inScope = new Set(request.scope.vmIds);
    for (const [field, map] of [
      ['methodByVm', request.methodByVm],
      ['scripts', request.scripts],
    ] as const) {
      for (const vmId of Object.keys(map ?? {})) {
        if (!inScope.has(vmId)) {
          ctx.addIssue({
            code: 'custom',
            path: [field, vmId],
            message: `VM "${vmId}" is not among the VMs to back up`,
          });
        }
      }
    }
  });
export type BackupRequestInput = z.input<typeof backupRequestInput>;
export type BackupRequest = z.output<typeof backupRequestInput>;

/** A VM name the restore creates: also a folder name in the lab, so no path separators. */
export const newVmNameInput = z
  .string()
  .trim()
  .min(1, 'Name the new VM')
  .max(100, 'The VM name is longer than 100 characters')
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9 ._-]*$/,
    'Use letters, digits, spaces, dots, dashes and underscores, starting with a letter or digit',
  );

export const restoreRequestInput = z
  .object({
    restorePointId: id('restore point'),
    mode: z.enum(RESTORE_MODES, { error: 'Choose a restore mode' }),
    /** Required for as-new; for staged, copies the VM out as a new VM instead of replacing it. */
    newVmName: newVmNameInput.optional(),
    /** The volume or VM name typed to confirm a destructive mode (checked against the plan). */
    confirmation: z.string().max(200, 'The confirmation is longer than 200 characters').optional(),
    /** Each running VM a volume revert stops, acknowledged one by one (checked against the plan). */
    acknowledgedStoppedVmIds: z
      .array(z.string().min(1).max(200), { error: 'List the acknowledged VMs' })
      .max(10_000, 'Too many acknowledged VMs')
      .optional(),
    /** As-new: the host volume the new VM lands on (default: where the VM's disks are now). */
    targetHostVolumeId: id('target volume').optional(),
    /** As-new: power the new VM on once restored. */
    powerOnAfterRestore: z.boolean({ error: 'Say whether to power the new VM on' }).optional(),
  })
  .superRefine((request, ctx) => {
    if (request.mode === 'as-new' && request.newVmName === undefined) {
      ctx.addIssue({ code: 'custom', path: ['newVmName'], message: 'Name the new VM' });
    }
  });
export type RestoreRequestInput = z.input<typeof restoreRequestInput>;
export type RestoreRequest = z.output<typeof restoreRequestInput>;

export const scheduleInput = z.object({
  cron: z
    .string({ error: 'Enter a cron expression' })
    .trim()
    .superRefine((cron, ctx) => {
      // A schedule that never fires would be saved as one and never start a run.
      const problem = describeCronError(cron) ?? describeUnreachableCron(cron);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
  timeZone: z
    .string({ error: 'Choose a time zone' })
    .trim()
    .transform((timeZone, ctx) => {
      const canonical = canonicalTimeZone(timeZone);
      if (canonical) return canonical;
      ctx.addIssue({
        code: 'custom',
        message:
          timeZone === ''
            ? 'Choose a time zone'
            : `"${timeZone}" is not a known time zone; use an IANA name such as Europe/Warsaw or UTC`,
      });
      return z.NEVER;
    }),
});
export type ScheduleInput = z.input<typeof scheduleInput>;
export type Schedule = z.output<typeof scheduleInput>;

const count = (label: string, max: number) =>
  z
    .int({ error: `${label} is a whole number` })
    .min(0, `${label} cannot be negative`)
    .max(max, `${label} must be at most ${max}`);

export const retentionInput = z
  .object({
    keepLast: count('Keep last', 1000),
    daily: count('Daily', 3660),
    weekly: count('Weekly', 520),
    monthly: count('Monthly', 1200),
  })
  .refine((policy) => policy.keepLast + policy.daily + policy.weekly + policy.monthly > 0, {
    message: 'Keep at least one point: set Keep last, Daily, Weekly or Monthly above 0',
    path: ['keepLast'],
  });
export type Retention = z.output<typeof retentionInput>;

export const backupJobInput = z.object({
  name: z
    .string({ error: 'Name the job' })
    .trim()
    .min(1, 'Name the job')
    .max(100, 'The job name is longer than 100 characters'),
  request: backupRequestInput,
  /** null = no schedule: the job runs only when started by hand. */
  schedule: scheduleInput.nullable(),
  missedRunPolicy: z.enum(MISSED_RUN_POLICIES, {
    error: "Choose what happens to runs missed while Migawka was down: 'skip' or 'run-once'",
  }),
  retention: retentionInput,
  rpoHours: z
    .number({ error: 'The RPO is a number of hours' })
    .positive('The RPO must be more than 0 hours')
    .max(8760, 'The RPO must be at most 8760 hours (one year)'),
  isEnabled: z.boolean(),
});
export type BackupJobInput = z.input<typeof backupJobInput>;
export type BackupJob = z.output<typeof backupJobInput>;
