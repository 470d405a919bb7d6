'use client';

import { useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useFormContext, useWatch } from 'react-hook-form';
import { Alert } from '@/app/_components/ui/alert';
import { Button } from '@/app/_components/ui/button';
import { Input } from '@/app/_components/ui/input';
import { Label } from '@/app/_components/ui/label';
import { RadioGroup, RadioGroupItem } from '@/app/_components/ui/radio-group';
import { Select } from '@/app/_components/ui/select';
import { errorMessageAt, FieldErrorText, StepHeading, WizardActions } from '@/app/_components/wizard';
import { formatDateTime } from '@/app/_lib/format';
import { fieldErrorsOf, useTRPC } from '@/app/_lib/trpc';
import { useBackupWizardMode } from './wizard-mode';
import type { BackupWizardValues, RunMode } from './wizard-model';

function useDebounced<T>(value: T, delayMs: number): T {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setDebounced(value), delayMs);
    return () => clearTimeout(timer);
  }, [value, delayMs]);
  return debounced;
}

function timeZones(): string[] {
  try {
    return Intl.supportedValuesOf('timeZone');
  } catch {
    return ['UTC'];
  }
}

const RETENTION_FIELDS = [
  { key: 'keepLast', label: 'Keep last', hint: 'newest points, whatever their age' },
  { key: 'daily', label: 'Daily', hint: 'one point per day, for this many days' },
  { key: 'weekly', label: 'Weekly', hint: 'one point per week' },
  { key: 'monthly', label: 'Monthly', hint: 'one point per month' },
] as const;

const RUN_MODES: { mode: RunMode; label: string; hint: string }[] = [
  {
    mode: 'now',
    label: 'Once, now',
    hint: 'A one-off operation; its points are kept until you delete them.',
  },
  {
    mode: 'scheduled',
    label: 'On a schedule',
    hint: 'A backup job with a cron schedule, retention and an RPO the overview checks.',
  },
  {
    mode: 'manual',
    label: 'No schedule, run by hand',
    hint: 'A backup job that runs only when someone starts it ("Run now"); retention and RPO still apply.',
  },
];

export function ScheduleStep({ onBack }: { onBack: () => void }) {
  const { control, setValue, register, formState } = useFormContext<BackupWizardValues>();
  const runMode = useWatch({ control, name: 'runMode' });
  const mode = useBackupWizardMode();
  const errorOf = (path: string) => errorMessageAt(formState.errors, path);
  const field = (id: string, path: string) => ({
    id,
    'aria-invalid': errorOf(path) ? true : undefined,
    'aria-describedby': errorOf(path) ? `${id}-error` : undefined,
  });

  return (
    <section aria-labelledby="step-schedule">
      <StepHeading stepKey="schedule">
        <span id="step-schedule">Schedule &amp; retention</span>
      </StepHeading>
      <fieldset className="mb-6">
        <legend className="mb-2 text-sm font-medium text-fg-soft">When</legend>
        <RadioGroup
          value={runMode}
          onValueChange={(value) => setValue('runMode', value as RunMode, { shouldDirty: true })}
          className={mode.kind === 'edit' ? 'grid-cols-2' : 'grid-cols-3'}
        >
          {RUN_MODES.filter((choice) => mode.kind === 'create' || choice.mode !== 'now').map((choice) => (
            <label
              key={choice.mode}
              htmlFor={`run-${choice.mode}`}
              className="flex cursor-pointer gap-3 rounded-md border border-line bg-surface p-3"
            >
              <RadioGroupItem id={`run-${choice.mode}`} value={choice.mode} />
              <span>
                <span className="block text-sm font-medium">{choice.label}</span>
                <span className="block text-xs text-fg-muted">{choice.hint}</span>
              </span>
            </label>
          ))}
        </RadioGroup>
      </fieldset>

      {runMode !== 'now' ? (
        <div className="flex flex-col gap-5">
          <div className="flex flex-col gap-1">
            <Label htmlFor="job-name">Job name</Label>
            <Input className="w-80" {...field('job-name', 'job.name')} {...register('job.name')} />
            <FieldErrorText id="job-name-error" message={errorOf('job.name')} />
          </div>
          {runMode === 'scheduled' ? <ScheduleFields field={field} errorOf={errorOf} /> : null}
          <fieldset className="rounded-md border border-line bg-surface p-4">
            <legend className="px-1 text-sm font-semibold text-fg">Retention (grandfather-father-son)</legend>
            <div className="grid grid-cols-4 gap-4">
              {RETENTION_FIELDS.map((retention) => {
                const id = `retention-${retention.key}`;
                const path = `job.retention.${retention.key}`;
                return (
                  <div key={retention.key} className="flex flex-col gap-1">
                    <Label htmlFor={id}>{retention.label}</Label>
                    <Input
                      type="number"
                      min={0}
                      {...field(id, path)}
                      {...register(path as 'job.retention.keepLast', { valueAsNumber: true })}
                    />
                    <span className="text-xs text-fg-subtle">{retention.hint}</span>
                    <FieldErrorText id={`${id}-error`} message={errorOf(path)} />
                  </div>
                );
              })}
            </div>
          </fieldset>
          <div className="flex flex-col gap-1">
            <Label htmlFor="job-rpo">RPO in hours</Label>
            <Input
              type="number"
              step="any"
              className="w-32"
              {...field('job-rpo', 'job.rpoHours')}
              {...register('job.rpoHours', { valueAsNumber: true })}
            />
            <span className="text-xs text-fg-subtle">
              The overview flags a VM (RPO-EXCEEDED) when its newest good point is older than this.
            </span>
            <FieldErrorText id="job-rpo-error" message={errorOf('job.rpoHours')} />
          </div>
        </div>
      ) : null}

      <WizardActions>
        <Button type="button" variant="secondary" onClick={onBack}>
          Back
        </Button>
        <Button type="submit">Next: review</Button>
      </WizardActions>
    </section>
  );
}

type FieldProps = (
  id: string,
  path: string,
) => {
  id: string;
  'aria-invalid': boolean | undefined;
  'aria-describedby': string | undefined;
};

/** A scheduled job's when: cron, time zone, the next runs and what happens to missed ones. */
function ScheduleFields({
  field,
  errorOf,
}: {
  field: FieldProps;
  errorOf: (path: string) => string | undefined;
}) {
  const { register } = useFormContext<BackupWizardValues>();
  return (
    <>
      <div className="grid grid-cols-[1fr_1fr] gap-4">
        <div className="flex flex-col gap-1">
          <Label htmlFor="job-cron">Cron expression</Label>
          <Input
            className="font-mono"
            placeholder="0 2 * * *"
            {...field('job-cron', 'job.schedule.cron')}
            {...register('job.schedule.cron')}
          />
          <p className="text-xs text-fg-subtle">minute hour day-of-month month day-of-week</p>
          <FieldErrorText id="job-cron-error" message={errorOf('job.schedule.cron')} />
        </div>
        <div className="flex flex-col gap-1">
          <Label htmlFor="job-time-zone">Time zone</Label>
          <Input
            list="time-zones"
            {...field('job-time-zone', 'job.schedule.timeZone')}
            {...register('job.schedule.timeZone')}
          />
          <datalist id="time-zones">
            {timeZones().map((zone) => (
              <option key={zone} value={zone} />
            ))}
          </datalist>
          <FieldErrorText id="job-time-zone-error" message={errorOf('job.schedule.timeZone')} />
        </div>
      </div>
      <SchedulePreview />
      <div className="flex flex-col gap-1">
        <Label htmlFor="job-missed">Runs missed while Migawka was down</Label>
        <Select className="w-96" id="job-missed" {...register('job.missedRunPolicy')}>
          <option value="run-once">Run once when Migawka is back</option>
          <option value="skip">Skip them; wait for the next scheduled time</option>
        </Select>
      </div>
    </>
  );
}

/** The next five runs as the server computes them (time zone and DST aware), in plain language. */
function SchedulePreview() {
  const trpc = useTRPC();
  const { control } = useFormContext<BackupWizardValues>();
  const schedule = useWatch({ control, name: 'job.schedule' });
  const rpoHours = useWatch({ control, name: 'job.rpoHours' });
  const debounced = useDebounced(schedule, 300);
  const debouncedRpo = useDebounced(rpoHours, 300);
  const preview = useQuery({
    ...trpc.jobs.previewSchedule.queryOptions({
      cron: debounced.cron,
      timeZone: debounced.timeZone,
      count: 5,
      ...(typeof debouncedRpo === 'number' && debouncedRpo > 0 && debouncedRpo <= 8760
        ? { rpoHours: debouncedRpo }
        : {}),
    }),
    enabled: debounced.cron.trim() !== '' && debounced.timeZone.trim() !== '',
    retry: false,
  });
  if (preview.isError) {
    const problems = fieldErrorsOf(preview.error);
    return (
      <Alert tone="warning" aria-live="polite">
        {problems.length > 0 ? problems.map((problem) => problem.message).join('; ') : preview.error.message}
      </Alert>
    );
  }
  if (!preview.data) return null;
  return (
    <section
      aria-label="Next runs"
      aria-live="polite"
      className="rounded-md border border-info-line bg-info-soft px-4 py-3 text-sm text-info"
    >
      <p className="font-medium">{preview.data.description}</p>
      <ol className="mt-1 list-decimal pl-5">
        {preview.data.nextRuns.map((run) => (
          <li key={run.toISOString()}>{formatDateTime(run, debounced.timeZone)}</li>
        ))}
      </ol>
      {preview.data.rpoWarning ? (
        <p className="mt-2 font-medium text-warning">Warning: {preview.data.rpoWarning}.</p>
      ) : null}
    </section>
  );
}
