import { describe, expect, expectTypeOf, it } from 'vitest';
import type { z } from 'zod';
import type { BackupPlanRequest as EngineBackupRequest } from '../engine/backup-plan';
import type { RestorePlanRequest as EngineRestoreRequest } from '../engine/restore-plan';
import { operationListQueryInput } from './operation-queries';
import {
  type BackupRequest,
  backupJobInput,
  backupRequestInput,
  type RestoreRequest,
  restoreRequestInput,
  retentionInput,
  scheduleInput,
} from './operations';

/** Field path → messages, as a form shows them. */
function errorsOf(schema: z.ZodType, value: unknown): Record<string, string[]> {
  const result = schema.safeParse(value);
  if (result.success) return {};
  const errors: Record<string, string[]> = {};
  for (const issue of result.error.issues) {
    const path = issue.path.join('.');
    errors[path] = [...(errors[path] ?? []), issue.message];
  }
  return errors;
}

const validRequest = {
  scope: { kind: 'vms', vmIds: ['sql01', 'web01'] },
  methodByVm: { sql01: 'array-snapshot' },
  consistencyPolicy: 'fallback',
  scripts: { sql01: { preFreeze: { command: ' C:\\scripts\\suspend.cmd ', timeoutSeconds: 30 } } },
  passthroughPolicy: 'skip',
};

const validJob = {
  name: ' Nightly SQL ',
  request: validRequest,
  schedule: { cron: '0 2 * * *', timeZone: 'europe/warsaw' },
  missedRunPolicy: 'run-once',
  retention: { keepLast: 7, daily: 7, weekly: 4, monthly: 6 },
  rpoHours: 24,
  isEnabled: true,
};

describe('backupRequestInput', () => {
  it('accepts a full request and trims script commands', () => {
    const parsed = backupRequestInput.parse(validRequest);
    expect(parsed.scripts?.sql01.preFreeze?.command).toBe('C:\\scripts\\suspend.cmd');
  });

  it.each([
    { name: 'volume scope', scope: { kind: 'host-volume', hostVolumeId: 'hv01:D:' } },
    { name: 'array scope', scope: { kind: 'array-volume', arrayVolumeId: 'lun-sql' } },
  ])('accepts a $name', ({ scope }) => {
    expect(
      backupRequestInput.safeParse({ ...validRequest, scope, methodByVm: undefined, scripts: undefined })
        .success,
    ).toBe(true);
  });

  it.each([
    {
      name: 'no VM chosen',
      change: { scope: { kind: 'vms', vmIds: [] }, methodByVm: undefined, scripts: undefined },
      errors: { 'scope.vmIds': ['Choose at least one VM'] },
    },
    {
      name: 'a VM listed twice',
      change: {
        scope: { kind: 'vms', vmIds: ['web01', 'web01'] },
        methodByVm: undefined,
        scripts: undefined,
      },
      errors: { 'scope.vmIds': ['A VM is listed twice'] },
    },
    {
      name: 'an unknown scope kind',
      change: { scope: { kind: 'host', hostId: 'hv01' } },
      errors: { 'scope.kind': ['Choose what to back up: VMs, a host volume or an array volume'] },
    },
    {
      name: 'an unknown method',
      change: { methodByVm: { sql01: 'tape' } },
      errors: { 'methodByVm.sql01': ['Choose a known backup method'] },
    },
    {
      name: 'a method and scripts for a VM outside the scope',
      change: { methodByVm: { xlin01: 'xen-snapshot' }, scripts: { xlin01: {} } },
      errors: {
        'methodByVm.xlin01': ['VM "xlin01" is not among the VMs to back up'],
        'scripts.xlin01': ['VM "xlin01" is not among the VMs to back up'],
      },
    },
    {
      name: 'a missing consistency policy',
      change: { consistencyPolicy: undefined },
      errors: {
        consistencyPolicy: [
          "Choose what happens when a VM cannot be quiesced: 'require' (fail the VM) or 'fallback' (crash-consistent, recorded)",
        ],
      },
    },
    {
      name: 'a script without command and with a zero timeout',
      change: { scripts: { sql01: { postThaw: { command: '  ', timeoutSeconds: 0 } } } },
      errors: {
        'scripts.sql01.postThaw.command': ['Enter the command to run inside the guest'],
        'scripts.sql01.postThaw.timeoutSeconds': ['The timeout must be at least 1 second'],
      },
    },
    {
      name: 'a fractional script timeout',
      change: { scripts: { sql01: { preFreeze: { command: 'x', timeoutSeconds: 1.5 } } } },
      errors: { 'scripts.sql01.preFreeze.timeoutSeconds': ['The timeout is a whole number of seconds'] },
    },
  ])('rejects $name', ({ change, errors }) => {
    expect(errorsOf(backupRequestInput, { ...validRequest, ...change })).toEqual(errors);
  });

  it('produces what planBackup takes', () => {
    expectTypeOf<BackupRequest>().toExtend<EngineBackupRequest>();
  });
});

describe('restoreRequestInput', () => {
  it.each([
    { value: { restorePointId: 'rp-1', mode: 'in-place', confirmation: 'web01' }, errors: {} },
    { value: { restorePointId: 'rp-1', mode: 'as-new', newVmName: 'web01-restored' }, errors: {} },
    { value: { restorePointId: 'rp-1', mode: 'as-new' }, errors: { newVmName: ['Name the new VM'] } },
    {
      value: { restorePointId: 'rp-1', mode: 'as-new', newVmName: '../etc' },
      errors: {
        newVmName: [
          'Use letters, digits, spaces, dots, dashes and underscores, starting with a letter or digit',
        ],
      },
    },
    {
      value: { restorePointId: ' ', mode: 'staged' },
      errors: { restorePointId: ['Choose a restore point'] },
    },
    { value: { restorePointId: 'rp-1', mode: 'rewind' }, errors: { mode: ['Choose a restore mode'] } },
  ])('$value → $errors', ({ value, errors }) => {
    expect(errorsOf(restoreRequestInput, value)).toEqual(errors);
  });

  it('produces what planRestore takes', () => {
    expectTypeOf<RestoreRequest>().toExtend<EngineRestoreRequest>();
  });
});

describe('scheduleInput', () => {
  it('canonicalises the time zone', () => {
    expect(scheduleInput.parse({ cron: ' 0 2 * * * ', timeZone: 'europe/warsaw' })).toEqual({
      cron: '0 2 * * *',
      timeZone: 'Europe/Warsaw',
    });
  });

  it.each([
    {
      value: { cron: '0 25 * * *', timeZone: 'UTC' },
      errors: {
        cron: [
          '"0 25 * * *" is not a valid 5-field cron expression (minute hour day month weekday): Invalid value for hour: 25',
        ],
      },
    },
    {
      value: { cron: '', timeZone: 'UTC' },
      errors: { cron: ['Enter a cron expression, e.g. "0 2 * * *" for every day at 02:00'] },
    },
    {
      value: { cron: '0 2 * * *', timeZone: 'Mars/Olympus' },
      errors: {
        timeZone: ['"Mars/Olympus" is not a known time zone; use an IANA name such as Europe/Warsaw or UTC'],
      },
    },
    { value: { cron: '0 2 * * *', timeZone: '' }, errors: { timeZone: ['Choose a time zone'] } },
    {
      value: { cron: '0 2 30 2 *', timeZone: 'UTC' },
      errors: {
        cron: [
          '"0 2 30 2 *" never runs: none of its months has that day of the month (there is no 30 February, no 31 April); choose a day its months have',
        ],
      },
    },
    // Day of month or day of week (cron's rule): every Monday of February, and leap days, do run.
    { value: { cron: '0 2 30 2 1', timeZone: 'UTC' }, errors: {} },
    { value: { cron: '0 2 29 2 *', timeZone: 'UTC' }, errors: {} },
  ])('$value → $errors', ({ value, errors }) => {
    expect(errorsOf(scheduleInput, value)).toEqual(errors);
  });
});

describe('backupJobInput', () => {
  it('accepts a scheduled job and a manual-only job', () => {
    const parsed = backupJobInput.parse(validJob);
    expect(parsed.name).toBe('Nightly SQL');
    expect(parsed.schedule?.timeZone).toBe('Europe/Warsaw');
    expect(backupJobInput.safeParse({ ...validJob, schedule: null }).success).toBe(true);
  });

  it.each([
    { change: { name: '  ' }, errors: { name: ['Name the job'] } },
    { change: { rpoHours: 0 }, errors: { rpoHours: ['The RPO must be more than 0 hours'] } },
    {
      change: { missedRunPolicy: 'catch-up-all' },
      errors: {
        missedRunPolicy: ["Choose what happens to runs missed while Migawka was down: 'skip' or 'run-once'"],
      },
    },
    {
      change: { retention: { keepLast: 0, daily: 0, weekly: 0, monthly: 0 } },
      errors: {
        'retention.keepLast': ['Keep at least one point: set Keep last, Daily, Weekly or Monthly above 0'],
      },
    },
    {
      change: { retention: { keepLast: -1, daily: 7, weekly: 0, monthly: 0 } },
      errors: { 'retention.keepLast': ['Keep last cannot be negative'] },
    },
  ])('rejects $change', ({ change, errors }) => {
    expect(errorsOf(backupJobInput, { ...validJob, ...change })).toEqual(errors);
  });

  it('retention is what selectPointsToPrune takes', () => {
    expect(retentionInput.parse({ keepLast: 1, daily: 0, weekly: 0, monthly: 0 })).toEqual({
      keepLast: 1,
      daily: 0,
      weekly: 0,
      monthly: 0,
    });
  });
});

describe('operationListQueryInput', () => {
  it('takes a date range as dates or ISO text and refuses one that ends before it starts', () => {
    const parsed = operationListQueryInput.parse({
      jobId: 'job-1',
      createdFrom: '2026-11-01T00:00:00.000Z',
      createdBefore: new Date('2026-11-02T00:00:00.000Z'),
    });
    expect(parsed.createdFrom).toEqual(new Date('2026-11-01T00:00:00.000Z'));
    expect(parsed.createdBefore).toEqual(new Date('2026-11-02T00:00:00.000Z'));
    const reversed = operationListQueryInput.safeParse({
      createdFrom: new Date('2026-11-02T00:00:00.000Z'),
      createdBefore: new Date('2026-11-01T00:00:00.000Z'),
    });
    expect(reversed.error?.issues.map((issue) => [issue.path.join('.'), issue.message])).toEqual([
      ['createdBefore', 'The date range ends before it starts: choose an end after the start'],
    ]);
    expect(operationListQueryInput.safeParse({ createdFrom: 'yesterday' }).error?.issues[0]?.message).toBe(
      'The start of the date range is not a date',
    );
  });
});
